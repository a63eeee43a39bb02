// SPDX-License-Identifier: MIT
// The eBPF collector as a SourceCollector, for the library's own callers (the C ABI's pull mode).
#pragma once

#include <memory>
#include <system_error>

#include <tcptop/ebpf_collector.h>
#include <tcptop/error.h>
#include <tcptop/options.h>

#include "core/source_collector.h"

namespace tcptop::linux_impl {

/// Errc::invalid_option naming the first bad field of \p ebpf, or no error.
std::error_code check_ebpf_options(const EbpfOptions &ebpf, Diagnostics &diagnostics);

/// What make_ebpf_collector() makes, with its SourceCollector type kept:
/// null with \p code and \p diagnostics naming a bad option.
std::unique_ptr<SourceCollector> make_ebpf_source_collector(const Options &options,
							    const EbpfOptions &ebpf,
							    std::error_code &code,
							    Diagnostics &diagnostics) noexcept;

} // namespace tcptop::linux_impl
