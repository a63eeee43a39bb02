// SPDX-License-Identifier: MIT
// Options: what a collector watches and how often it reports.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tcptop {

/// Which transport protocols are watched; at least one must be set.
struct ProtocolSet {
	bool tcp = true; ///< TCP connections (the kernel counts them: no work per packet)
	bool udp = true; ///< UDP flows (counting them costs work on every datagram)
};

/// Which address families are reported; at least one must be set.
struct FamilySet {
	bool ipv4 = true; ///< IPv4, including IPv4-mapped IPv6 sockets
	bool ipv6 = true; ///< IPv6
};

/// The shortest interval a collector accepts.
inline constexpr std::chrono::nanoseconds min_interval = std::chrono::milliseconds(10);
/// The longest interval a collector accepts.
inline constexpr std::chrono::nanoseconds max_interval = std::chrono::hours(1);
/// The largest max_connections a collector accepts.
inline constexpr std::size_t max_connections_limit = std::size_t{1} << 22;

/// What a collector watches and how often it reports, whichever collector
/// it is; checked by the factory that makes one.
struct Options {
	/// Time between snapshots: min_interval to max_interval.
	std::chrono::nanoseconds interval = std::chrono::seconds(1);
	/// Only connections owned by this process; 0 for all.
	std::uint32_t pid = 0;
	/// Only connections with this local or remote port; 0 for all.
	std::uint16_t port = 0;
	/// Protocols watched; UDP off spares every datagram the collector's work.
	ProtocolSet protocols;
	/// Address families reported.
	FamilySet families;
	/// Cap on connections and UDP flows held at once: 1 to max_connections_limit.
	/// Beyond it new ones are counted in connections_evicted, not tracked.
	std::size_t max_connections = 65536;
};

} // namespace tcptop
