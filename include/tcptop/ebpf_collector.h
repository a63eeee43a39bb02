// SPDX-License-Identifier: MIT
// The Linux eBPF collector: its own options (hook kinds) and its factory.
#pragma once

#include <cstddef>
#include <memory>
#include <system_error>

#include <tcptop/error.h>
#include <tcptop/export.h>
#include <tcptop/network_collector.h>
#include <tcptop/options.h>

namespace tcptop {

/// Hook kinds the eBPF collector may use where it has a choice (UDP
/// counting). One that is off is never loaded: for deployments whose policy
/// forbids a kind, and to exercise the fallbacks.
struct HookKinds {
	/// cgroup_skb and cgroup/sock programs on the cgroup v2 root: the
	/// first choice for UDP (needs CAP_NET_ADMIN).
	bool cgroup = true;
	/// fentry programs on the kernel's UDP functions: the fallback for UDP
	/// (needs BPF trampolines, which not every kernel has).
	bool fentry = true;
};

/// What only the eBPF collector has a setting for.
struct EbpfOptions {
	/// Hook kinds allowed; NetworkCollector::features() says what was chosen.
	HookKinds hook_kinds;
	/// Room in the kernel's UDP flow table, fixed at start: a UDP socket's
	/// first remote endpoint is kept with the socket, and every further one
	/// (a server's clients) takes an entry here until the socket closes.
	/// Datagrams of flows that find the table full are counted in
	/// CollectorStats::udp_datagrams_untracked. 0 (the default) means
	/// Options::max_connections; at most max_connections_limit.
	std::size_t max_udp_flows = 0;
	/// Size in bytes of the ring buffer that carries closes, UDP socket
	/// releases and owners learned from the kernel to the collector
	/// between intervals. When the collector cannot drain it fast enough
	/// (many thousands of closes per second) events are lost and counted
	/// in CollectorStats::events_dropped; the kernel side never waits.
	/// 0 (the default) means default_event_buffer_bytes; else a power of
	/// two from the page size to max_event_buffer_bytes.
	std::size_t event_buffer_bytes = 0;
};

/// The event ring buffer's size when EbpfOptions::event_buffer_bytes is 0:
/// room for about 20,000 closes.
inline constexpr std::size_t default_event_buffer_bytes = std::size_t{4} << 20;
/// The largest EbpfOptions::event_buffer_bytes a collector accepts.
inline constexpr std::size_t max_event_buffer_bytes = std::size_t{1} << 30;

/**
 * \brief The Linux collector: eBPF programs (CO-RE) embedded in the library.
 *
 * Validates \p options here; privileges and kernel support are checked by
 * start(). Needs root, or CAP_BPF and CAP_PERFMON (plus CAP_NET_ADMIN when
 * UDP is watched with the cgroup hooks allowed). Thread-safe.
 * \param options what to watch, and how often to report
 * \param ebpf the hook kinds allowed
 * \return a collector that has not started
 * \throws Error invalid_option, naming the field.
 */
TCPTOP_EXPORT std::unique_ptr<NetworkCollector> make_ebpf_collector(const Options &options,
								    const EbpfOptions &ebpf = {});

/**
 * \brief As above, reporting a bad option through \p code and
 * \p diagnostics instead of throwing.
 * \param options what to watch, and how often to report
 * \param ebpf the hook kinds allowed
 * \param code set to Errc::invalid_option, or cleared
 * \param diagnostics names the field on error
 * \return the collector, or nullptr on error
 */
TCPTOP_EXPORT std::unique_ptr<NetworkCollector> make_ebpf_collector(const Options &options,
								    const EbpfOptions &ebpf,
								    std::error_code &code,
								    Diagnostics &diagnostics) noexcept;

} // namespace tcptop
