// SPDX-License-Identifier: MIT
// The sock_diag collector as a SourceCollector, for the library's own callers (the C ABI's pull mode).
#pragma once

#include <memory>
#include <system_error>

#include <tcptop/error.h>
#include <tcptop/options.h>

#include "core/source_collector.h"

namespace tcptop::linux_impl {

/// What make_sock_diag_collector() makes, with its SourceCollector type
/// kept: null with \p code and \p diagnostics naming a bad option.
std::unique_ptr<SourceCollector> make_sock_diag_source_collector(const Options &options,
								 std::error_code &code,
								 Diagnostics &diagnostics) noexcept;

} // namespace tcptop::linux_impl
