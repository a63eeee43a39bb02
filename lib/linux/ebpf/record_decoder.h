// SPDX-License-Identifier: MIT
// RecordDecoder: the kernel side's records, as bytes, turned into connections, sockets and owners.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_set>
#include <variant>
#include <vector>

#include <tcptop/connection_record.h>

#include "core/connection_table.h"
#include "core/source.h"

struct tcptop_tcp_record;
struct tcptop_udp_flow_key;
struct tcptop_udp_flow;
struct tcptop_udp_socket;

namespace tcptop::linux_impl {

/// One connection or flow as the table takes it.
struct DecodedConnection {
	ConnectionKey key;
	ConnectionRecord record;
};

/// A UDP socket: who owns it, whether it closed, and its first flow.
struct DecodedUdpSocket {
	std::uint64_t cookie = 0;
	Owner owner;
	/// Where the socket lives; 0 if not known.
	std::uint32_t netns = 0;
	bool closed = false;
	/// Wall clock of the close; 0 while open.
	std::uint64_t close_time_ns = 0;
	/// The flow counted in the socket's own storage, once it has one;
	/// owner, netns and close are not filled in (see assemble_udp_flows()).
	std::optional<DecodedConnection> first_flow;
};

/// A TCP connection's close, with its final totals.
struct TcpClosed {
	DecodedConnection connection;
};

/// A UDP socket's release, with its flows' last state.
struct UdpReleased {
	DecodedUdpSocket socket;
};

/// A socket's owner, learned when it was released.
struct OwnerLearned {
	std::uint64_t cookie = 0;
	Owner owner;
};

/// What one ring buffer event says; monostate for one this library does not know.
using DecodedEvent = std::variant<std::monostate, TcpClosed, UdpReleased, OwnerLearned>;

using Bytes = std::span<const std::byte>;

/**
 * \brief The only user-space code that knows the layouts and units of the
 * kernel/user contract (bpf/kernel_contract.h): everything else hands it
 * bytes. Records shorter than their layout are skipped, never read past.
 */
class RecordDecoder
{
public:
	/// \param wall_minus_monotonic_ns CLOCK_REALTIME - CLOCK_MONOTONIC, read once.
	explicit RecordDecoder(std::int64_t wall_minus_monotonic_ns);

	/// One event from the ring buffer.
	DecodedEvent event(Bytes bytes) const;

	/// Each TCP socket of an iter/tcp pass, in order.
	void each_tcp_socket(Bytes bytes,
			     const std::function<void(const DecodedConnection &)> &visit) const;

	/// The UDP sockets of an iter/udp pass.
	std::vector<DecodedUdpSocket> udp_sockets(Bytes bytes) const;

	/// Owners found by an iter/task_file pass, of the sockets in \p wanted.
	OwnersByCookie socket_owners(Bytes bytes,
				     const std::unordered_set<std::uint64_t> &wanted) const;

	/// One entry of the `udp_flows` map (its key and value, as stored);
	/// nullopt when the sizes are not the contract's.
	std::optional<DecodedConnection> udp_flow(Bytes key, Bytes value) const;

	/// What the kernel side could not record, from the per-CPU values of
	/// each counter of the `drop_counters` map in index order, back to
	/// back (every counter the same length); SourceCounters::events is
	/// left 0.
	SourceCounters drop_counts(Bytes per_cpu_counters) const;

	/// Wall clock for a bpf_ktime_get_ns() value; 0 stays 0 (unknown).
	std::uint64_t wall_time(std::uint64_t monotonic_ns) const noexcept;

private:
	DecodedConnection tcp(const tcptop_tcp_record &raw) const;
	DecodedConnection udp_flow(const tcptop_udp_flow_key &key, const tcptop_udp_flow &flow) const;
	DecodedUdpSocket udp_socket(const tcptop_udp_socket &raw) const;

	std::int64_t wall_minus_monotonic_ns_;
};

} // namespace tcptop::linux_impl
