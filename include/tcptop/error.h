// SPDX-License-Identifier: MIT
// Error codes of libtcptop, their category, and the exception that carries them.
#pragma once

#include <string>
#include <system_error>

#include <tcptop/export.h>

namespace tcptop {

/**
 * \brief What went wrong, for any collector; the Diagnostics message or
 * Error::what() names the particular option, capability or kernel facility.
 */
enum class Errc {
	invalid_option = 1, ///< an option or argument is out of range or empty
	missing_privilege,  ///< not root, and a needed capability is missing
	kernel_unsupported, ///< the kernel lacks what the collector needs (BTF, a hook)
	kernel_refused,     ///< the kernel refused what the collector loads into it
	already_started,    ///< start() on a running collector
	system_failure,     ///< a system call failed (see the message)
};

/// The category of Errc codes, named "tcptop".
TCPTOP_EXPORT const std::error_category &error_category() noexcept;

/// An Errc as a std::error_code, so that `code == Errc::...` compares.
inline std::error_code make_error_code(Errc e) noexcept
{
	return {static_cast<int>(e), error_category()};
}

/// The human detail behind an error code: which option, which capability.
struct Diagnostics {
	std::string message; ///< one line, empty when there was no error
};

/// Thrown by the throwing overloads; what() names the cause.
class TCPTOP_EXPORT Error : public std::system_error
{
public:
	/// \param code what failed, comparable with Errc values
	/// \param message the cause, naming the option, capability or hook
	Error(std::error_code code, const std::string &message)
		: std::system_error(code, message)
	{
	}
};

} // namespace tcptop

/// \cond
template<>
struct std::is_error_code_enum<tcptop::Errc> : std::true_type {
};
/// \endcond
