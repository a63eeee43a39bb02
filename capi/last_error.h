// SPDX-License-Identifier: MIT
// The thread-local detail behind the last failing C call, and how a call fails.
#pragma once

#include <string_view>

namespace tcptop::capi {

/**
 * \brief Record \p message as this thread's last error and return \p code.
 *
 * Never allocates, so it can report running out of memory; a message
 * longer than the buffer is cut.
 */
int fail(int code, std::string_view message) noexcept;

} // namespace tcptop::capi
