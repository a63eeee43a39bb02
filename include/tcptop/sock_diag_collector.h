// SPDX-License-Identifier: MIT
// The collector without BPF: each interval's sockets from NETLINK_SOCK_DIAG, for hosts where BPF is not allowed.
#pragma once

#include <memory>
#include <system_error>

#include <tcptop/error.h>
#include <tcptop/export.h>
#include <tcptop/network_collector.h>
#include <tcptop/options.h>

namespace tcptop {

/**
 * \brief A collector that needs no BPF and no capability: every interval it
 * dumps the TCP and UDP sockets with NETLINK_SOCK_DIAG (TCP totals from
 * tcp_info, exact as of each dump; UDP endpoints, their counts 0), in each
 * network namespace it may enter, and finds owners in /proc.
 *
 * A connection that opens and closes between two dumps is never seen (and
 * counted in CollectorStats::connections_unseen); a closed connection
 * carries the totals of the last dump that saw it. features() says what
 * it delivers here. start() fails with kernel_unsupported on a kernel
 * without CONFIG_INET_DIAG. Linux 4.19 or later. Thread-safe.
 * \param options what to watch, and how often to report
 * \return a collector that has not started
 * \throws Error invalid_option, naming the field; not_enough_memory.
 */
TCPTOP_EXPORT std::unique_ptr<NetworkCollector> make_sock_diag_collector(const Options &options);

/**
 * \brief As above, reporting a bad option through \p code and
 * \p diagnostics instead of throwing.
 * \param options what to watch, and how often to report
 * \param code set to Errc::invalid_option or std::errc::not_enough_memory,
 * or cleared
 * \param diagnostics names the field on error
 * \return the collector, or nullptr on error
 */
TCPTOP_EXPORT std::unique_ptr<NetworkCollector> make_sock_diag_collector(const Options &options,
									 std::error_code &code,
									 Diagnostics &diagnostics) noexcept;

} // namespace tcptop
