// SPDX-License-Identifier: MIT
// Validation of Options, and the record filter they describe.
#pragma once

#include <system_error>

#include <tcptop/connection_record.h>
#include <tcptop/error.h>
#include <tcptop/options.h>

namespace tcptop {

/// Errc::invalid_option with the field named in \p diagnostics, or no error.
std::error_code check_options(const Options &options, Diagnostics &diagnostics);

/// Whether \p record passes the pid, port, protocol and family filters.
bool passes_filters(const Options &options, const ConnectionRecord &record) noexcept;

/// Whether \p record may pass them once all is known about it: false only
/// when the port, protocol or family rules it out (its owner may still be
/// learned; a closing socket may have lost its local port).
bool may_pass_filters(const Options &options, const ConnectionRecord &record) noexcept;

} // namespace tcptop
