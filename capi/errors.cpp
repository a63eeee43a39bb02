// SPDX-License-Identifier: MIT
// From the C++ API's error codes to the negative errno values of the C ABI.
#include "capi/errors.h"

#include <cerrno>
#include <climits>

#include <tcptop/error.h>
#include <tcptop/tcptop.h>

namespace tcptop::capi {

int to_errno(std::error_code code) noexcept
{
	if (!code)
		return 0;
	if (code.category() == error_category()) {
		switch (static_cast<Errc>(code.value())) {
		case Errc::invalid_option:
			return -EINVAL;
		case Errc::missing_privilege:
			return -EPERM;
		case Errc::kernel_unsupported:
			return -EOPNOTSUPP;
		case Errc::kernel_refused:
			return -ENOEXEC;
		case Errc::already_started:
			return -EALREADY;
		case Errc::system_failure:
			return -EIO;
		}
		return -EIO;
	}
	/* std::errc values (out of memory) and system errors are errno values already. */
	if ((code.category() == std::generic_category() || code.category() == std::system_category()) &&
	    code.value() > 0)
		return -code.value();
	return -EIO;
}

} // namespace tcptop::capi

const char *tcptop_strerror(int err)
{
	/* -INT_MIN does not exist; nothing we return is near it anyway. */
	if (err == INT_MIN)
		return "unknown error";
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument";
	case EPERM:
		return "missing privilege";
	case EOPNOTSUPP:
		return "kernel lacks a needed feature";
	case ENOEXEC:
		return "kernel refused a BPF program";
	case EALREADY:
		return "collector already running";
	case EBUSY:
		return "collector is not in the state this call needs";
	case ETIMEDOUT:
		return "no snapshot within the timeout";
	case ENOSPC:
		return "buffer too small";
	case ENOMEM:
		return "out of memory";
	case EIO:
		return "system call failed";
	}
	return "unknown error";
}
