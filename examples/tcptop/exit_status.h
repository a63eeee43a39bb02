// SPDX-License-Identifier: MIT
// The exit statuses of the command-line programs, and the one-line message that goes with a failure.
#pragma once

#include <string_view>
#include <system_error>

#include <tcptop/error.h>

namespace tcptop::cli {

/* As tcptop(1) and tcptop-exporter(1) document them; 77 is what test
 * harnesses read as "skipped", which is what a run without privileges
 * amounts to. */
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_no_privilege = 77;

/// Prints "PROGRAM: MESSAGE" on stderr, with a pointer to --help for a bad
/// argument; returns \p program's exit status for it.
int report_usage(std::string_view program, std::string_view message);

/// Prints why a collector could not be made or started (the diagnostics'
/// message, else the code's) on stderr; returns the exit status for it.
int report_failure(std::string_view program, std::error_code code, const Diagnostics &diagnostics);

} // namespace tcptop::cli
