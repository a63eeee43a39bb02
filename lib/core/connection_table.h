// SPDX-License-Identifier: MIT
// ConnectionTable: owns connection state between snapshots and computes rates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <tcptop/connection_record.h>
#include <tcptop/options.h>
#include <tcptop/snapshot.h>

namespace tcptop {

/// A TCP connection is its socket; a UDP flow is a socket and a remote endpoint.
struct ConnectionKey {
	Protocol protocol = Protocol::tcp;
	std::uint64_t socket_cookie = 0;
	/// UDP only: the remote endpoint, as the source identifies it.
	IpAddress remote_addr{};
	std::uint16_t remote_port = 0;
	AddressFamily family = AddressFamily::ipv4;

	bool operator==(const ConnectionKey &) const = default;
};

/// The process that holds a socket.
struct Owner {
	std::uint32_t pid = 0; ///< thread group id; 0 when not known
	std::string comm;
	std::uint64_t cgroup_id = 0;
};

/// Owners by socket cookie.
using OwnersByCookie = std::unordered_map<std::uint64_t, Owner>;

/// Set the owner fields of \p record (pid, comm, cgroup_id) from \p owner.
inline void assign_owner(ConnectionRecord &record, const Owner &owner)
{
	record.pid = owner.pid;
	record.comm = owner.comm;
	record.cgroup_id = owner.cgroup_id;
}

struct ConnectionKeyHash {
	std::size_t operator()(const ConnectionKey &key) const noexcept;
};

/**
 * \brief The one place that holds connection state across intervals.
 *
 * Readings come in (live totals, final totals of closed ones); a snapshot
 * goes out; commit() then forgets what closed and starts the next interval.
 * Until commit(), readings keep accumulating, so a snapshot that could not be
 * delivered is folded into the next one and nothing is lost.
 *
 * Only connections that can pass the filters are held. When the table is
 * full, a new connection is refused, and counted once per interval however
 * many readings of it come: every connection of an interval is either in
 * its snapshot or in evicted_since_commit(). Not thread-safe: one thread
 * owns it.
 */
class ConnectionTable
{
public:
	/// \param capacity most entries held at once; further ones are counted as evicted.
	/// \param origin_ns wall clock when collection began: the first interval starts here.
	/// \param filters what the snapshots report: the pid, port, protocol
	///        and family rules (see Options).
	ConnectionTable(std::size_t capacity, std::uint64_t origin_ns, const Options &filters = {});

	/// Mark the start of a walk over live sockets, for close_unseen().
	void begin_pass();

	/**
	 * \brief A live reading. A zero pid, empty comm, zero cgroup_id, unknown
	 * role or zero start_time_ns keeps what was known; a zero start_time_ns on
	 * a new entry means "open before collection began": its rate counts from
	 * now and start_time_ns becomes \p now_ns.
	 */
	void observe(const ConnectionKey &key, const ConnectionRecord &reading, std::uint64_t now_ns);

	/// The final reading of a connection that closed (reading.closed set).
	void observe_close(const ConnectionKey &key, const ConnectionRecord &reading,
			   std::uint64_t now_ns);

	/// Close every open entry of \p protocol not observed since begin_pass():
	/// its socket is gone without a close event reaching us.
	void close_unseen(Protocol protocol, std::uint64_t now_ns);

	/// Every entry passing the filters, with rates since the last commit().
	Snapshot snapshot(std::uint64_t now_ns) const;

	/// The snapshot was delivered: drop closed entries, start a new interval.
	void commit(std::uint64_t now_ns);

	/// Cookies of entries whose owning process is not known, closed ones
	/// too: a socket reset by its peer may still be held by its process.
	std::vector<std::uint64_t> cookies_without_owner() const;

	/// The process holding socket \p socket_cookie became known: fill it
	/// into every entry of that socket whose owner is not known.
	void apply_owner(std::uint64_t socket_cookie, const Owner &owner);

	/// The same for every entry of unknown owner whose socket is in
	/// \p owners, in one pass over the table.
	void apply_owners(const OwnersByCookie &owners);

	std::size_t size() const noexcept { return entries_.size(); }
	std::uint64_t evicted_since_commit() const noexcept { return evicted_; }
	/// Refused connections held to count each once (bounded: see refused_).
	std::size_t refused_since_commit() const noexcept { return refused_.size(); }

private:
	struct Entry {
		ConnectionRecord record;
		std::uint64_t baseline_sent = 0;
		std::uint64_t baseline_received = 0;
		bool seen_in_pass = false;
	};

	Entry *find_or_insert(const ConnectionKey &key, const ConnectionRecord &reading,
			      std::uint64_t now_ns);
	void refuse(const ConnectionKey &key);

	std::unordered_map<ConnectionKey, Entry, ConnectionKeyHash> entries_;
	std::size_t capacity_;
	Options filters_;
	std::uint64_t last_commit_ns_;
	std::uint64_t evicted_ = 0;
	/* Connections refused since the last commit, so that each is counted
	 * once however often it is read: true when read since begin_pass().
	 * Refused TCP sockets that a complete walk no longer finds are gone
	 * and forgotten, so it holds no more than the live sockets refused. */
	std::unordered_map<ConnectionKey, bool, ConnectionKeyHash> refused_;
};

} // namespace tcptop
