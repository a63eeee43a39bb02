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
	/// Kernel events lost because the ring buffer was full: closes and
	/// releases whose final totals are missing.
	std::uint64_t events_dropped = 0;
	/// UDP datagrams not counted because the kernel's UDP flow table was
	/// full (see EbpfOptions::max_udp_flows): their flow is missing, or
	/// short of them.
	std::uint64_t udp_datagrams_untracked = 0;
	/// UDP datagrams not counted because their UDP header could not be
	/// found (IPv6 extension headers, seen by the cgroup hooks).
	std::uint64_t udp_datagrams_unparsed = 0;
	/// Runs of the collector's kernel programs that the kernel skipped
	/// because the same program was already running on that CPU (tracing
	/// programs do not nest): each may be a close whose final totals are
	/// missing, or an owner not learned.
	std::uint64_t program_runs_missed = 0;
	/// TCP connections the kernel opened (its TcpActiveOpens and
	/// TcpPassiveOpens, in the namespaces read) that no walk saw because
	/// they opened and closed between two: the sock_diag collector's
	/// blind spot. Always 0 for the eBPF collector, which sees each opening.
	std::uint64_t connections_unseen = 0;
	/// Connections held by the collector when the snapshot was made.
	std::uint64_t connections_tracked = 0;
	/// Connections not tracked because max_connections was reached.
	std::uint64_t connections_evicted = 0;
	/// Intervals folded into this snapshot because the consumer had not
	/// taken the earlier ones (0 when it keeps up).
	std::uint64_t snapshots_coalesced = 0;
	/// Wall time, in ns, the collector took to make this snapshot: from
	/// its interval's tick (reading the kernel's sockets, owners, the
	/// table, the copy) until it was handed over for delivery.
	std::uint64_t collection_ns = 0;
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
