// SPDX-License-Identifier: MIT
// RecordDecoder: turns the kernel/user contract's records into ConnectionRecords.
#pragma once

#include <cstdint>

#include <linux/types.h>

#include "../connection_table.h"
#include "tcptop.h"

namespace tcptop::linux_impl {

struct DecodedConnection {
	ConnectionKey key;
	ConnectionRecord record;
};

/// The one place that knows the contract's layout and units.
class RecordDecoder
{
public:
	/// \param wall_minus_monotonic_ns CLOCK_REALTIME - CLOCK_MONOTONIC, read once.
	explicit RecordDecoder(std::int64_t wall_minus_monotonic_ns);

	/// A live TCP socket (from iter/tcp) or a closed one (from an event).
	DecodedConnection tcp(const tcptop_tcp_record &raw) const;

	/// A UDP flow; \p socket (may be null) says who owns it and, once
	/// released, when it closed.
	DecodedConnection udp_flow(const tcptop_udp_flow_key &key, const tcptop_udp_flow &flow,
				   const tcptop_udp_socket *socket) const;

	/// pid, comm and cgroup_id from \p owner; the rest left empty.
	ConnectionRecord owner(const tcptop_owner &owner) const;

	/// Wall clock for a bpf_ktime_get_ns() value; 0 stays 0 (unknown).
	std::uint64_t wall_time(std::uint64_t monotonic_ns) const noexcept;

private:
	void fill_owner(ConnectionRecord &record, const tcptop_owner &owner) const;

	std::int64_t wall_minus_monotonic_ns_;
};

} // namespace tcptop::linux_impl
