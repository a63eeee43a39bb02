// SPDX-License-Identifier: MIT
// Features: what a running collector can see on this kernel, and where it reads it from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tcptop/export.h>

namespace tcptop {

/// A kind of data a collector reports; each may come from its own source in the kernel.
enum class Feature : std::uint8_t {
	tcp_counters,     ///< bytes, segments, RTT and retransmits of live TCP connections
	tcp_lifecycle,    ///< TCP opens and closes: role, client owner, final totals
	udp_counters,     ///< UDP bytes and datagrams per flow
	udp_lifecycle,    ///< UDP socket owners at creation, and UDP closes
	socket_owners,    ///< owners of sockets opened before the start, and of accepted ones
	other_namespaces, ///< live sockets of network namespaces other than the collector's
};

/// "tcp_counters", "tcp_lifecycle", ...: the enumerator's name.
TCPTOP_EXPORT std::string_view to_string(Feature feature) noexcept;

/// How a running collector obtains one Feature, or why it cannot.
struct FeatureStatus {
	/// Which feature this is.
	Feature feature = Feature::tcp_counters;
	/// Whether the collector delivers it. A feature that was not asked
	/// for (UDP with options.protocols.udp off) is unavailable too.
	bool available = false;
	/// What the collector reads it from, as the kernel names it (the eBPF
	/// collector's hooks: "iter/tcp", "cgroup_skb/ingress+egress on
	/// /sys/fs/cgroup"); empty when unavailable.
	std::string hooks;
	/// Why it is unavailable, or which fallback was taken and why; empty
	/// when the preferred source is in use.
	std::string note;
};

} // namespace tcptop
