// SPDX-License-Identifier: MIT
// Snapshot: what the collector delivers once per interval.
#pragma once

#include <cstdint>
#include <vector>

#include <tcptop/connection_record.h>

namespace tcptop {

/// Counters over the snapshot's interval, unless said otherwise.
struct CollectorStats {
	/// Kernel events (connection closes, socket releases) consumed.
	std::uint64_t events = 0;
	/// What the kernel side could not record. For the eBPF collector:
	/// events lost because the ring buffer was full, and UDP datagrams not
	/// counted because the flow table was full or (with the cgroup hooks)
	/// they carried IPv6 extension headers.
	std::uint64_t events_dropped = 0;
	/// Connections held by the collector when the snapshot was made.
	std::uint64_t connections_tracked = 0;
	/// Connections not tracked because max_connections was reached.
	std::uint64_t connections_evicted = 0;
	/// Intervals folded into this snapshot because the consumer had not
	/// taken the earlier ones (0 when it keeps up).
	std::uint64_t snapshots_coalesced = 0;
};

/// What the collector delivers once per interval.
struct Snapshot {
	/// Wall clock, ns since the epoch, when the snapshot was made.
	std::uint64_t timestamp_ns = 0;
	/// Time since the previous delivered snapshot (or since start).
	std::uint64_t interval_ns = 0;
	/// Open connections, and those closed during the interval (closed == true).
	std::vector<ConnectionRecord> connections;
	/// Counters of the collector itself.
	CollectorStats stats;
};

} // namespace tcptop
