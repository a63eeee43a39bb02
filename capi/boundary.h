// SPDX-License-Identifier: MIT
// The edge of the C ABI: no exception gets past it.
#pragma once

#include <cerrno>
#include <exception>
#include <new>

#include "capi/last_error.h"

namespace tcptop::capi {

/**
 * \brief Run \p body, which returns 0 or a negative errno value, turning any
 * exception into an error code and this thread's last error message.
 */
template<typename Body>
int guarded(Body &&body) noexcept
{
	try {
		return body();
	} catch (const std::bad_alloc &) {
		return fail(-ENOMEM, "out of memory");
	} catch (const std::exception &error) {
		return fail(-EIO, error.what());
	} catch (...) {
		return fail(-EIO, "unexpected internal error");
	}
}

} // namespace tcptop::capi
