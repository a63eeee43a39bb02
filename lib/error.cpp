// SPDX-License-Identifier: MIT
// The "tcptop" error category.
#include <tcptop/error.h>

namespace tcptop {

namespace {

class TcptopCategory : public std::error_category
{
public:
	const char *name() const noexcept override { return "tcptop"; }

	std::string message(int value) const override
	{
		switch (static_cast<Errc>(value)) {
		case Errc::invalid_option:
			return "invalid option";
		case Errc::missing_privilege:
			return "missing privilege";
		case Errc::kernel_unsupported:
			return "kernel lacks a needed feature";
		case Errc::kernel_refused:
			return "kernel refused a program";
		case Errc::already_started:
			return "collector already started";
		case Errc::system_failure:
			return "system call failed";
		}
		return "unknown tcptop error";
	}
};

} // namespace

const std::error_category &error_category() noexcept
{
	static const TcptopCategory category;
	return category;
}

} // namespace tcptop
