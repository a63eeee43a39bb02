// SPDX-License-Identifier: MIT
// Options: what a collector watches and how often it reports.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tcptop {

struct ProtocolSet {
	bool tcp = true;
	bool udp = true;
};

struct FamilySet {
	bool ipv4 = true;
	bool ipv6 = true;
};

/**
 * \brief Collector settings; the defaults watch everything once a second.
 *
 * Filters are applied to records before delivery; turning UDP off also
 * keeps the per-datagram hooks out of the kernel entirely.
 */
struct Options {
	/// Time between snapshots: 10 ms to 1 hour.
	std::chrono::nanoseconds interval = std::chrono::seconds(1);
	/// Only connections owned by this process; 0 for all.
	std::uint32_t pid = 0;
	/// Only connections with this local or remote port; 0 for all.
	std::uint16_t port = 0;
	/// At least one must be set.
	ProtocolSet protocols;
	/// At least one must be set.
	FamilySet families;
	/// Cap on connections and UDP flows held at once: 1 to 4,194,304.
	/// Beyond it new ones are counted in connections_evicted, not tracked.
	std::size_t max_connections = 65536;
};

} // namespace tcptop
