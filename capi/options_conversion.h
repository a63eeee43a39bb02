// SPDX-License-Identifier: MIT
// From struct tcptop_options, of whatever size the caller was built with, to tcptop::Options and EbpfOptions.
#pragma once

#include <tcptop/ebpf_collector.h>
#include <tcptop/options.h>
#include <tcptop/tcptop.h>

namespace tcptop::capi {

/**
 * \brief Check what only the C struct can get wrong (its size, unknown
 * bits and values) and convert: \p out gets the settings of every
 * collector, \p ebpf those of the eBPF one, \p collector which one
 * (TCPTOP_COLLECTOR_*); ranges are left to the collector's factory.
 * \return 0 or -EINVAL, with the last error message naming the field.
 */
int convert_options(const tcptop_options &in, Options &out, EbpfOptions &ebpf,
		    std::uint32_t &collector) noexcept;

} // namespace tcptop::capi
