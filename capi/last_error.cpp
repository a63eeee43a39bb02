// SPDX-License-Identifier: MIT
// The thread-local detail behind the last failing C call, and how a call fails.
#include "capi/last_error.h"

#include <algorithm>

#include <tcptop/tcptop.h>

namespace tcptop::capi {

namespace {

/* A fixed buffer rather than a std::string: setting it cannot fail. */
thread_local char last_message[512] = "";

} // namespace

int fail(int code, std::string_view message) noexcept
{
	std::size_t length = std::min(message.size(), sizeof(last_message) - 1);
	message.copy(last_message, length);
	last_message[length] = '\0';
	return code;
}

} // namespace tcptop::capi

const char *tcptop_last_error_message(void)
{
	return tcptop::capi::last_message;
}
