// SPDX-License-Identifier: MIT
// The exit statuses of the command-line programs, and the one-line message that goes with a failure.
#include "exit_status.h"

#include <cstdio>
#include <string>

namespace tcptop::cli {

int report_usage(std::string_view program, std::string_view message)
{
	std::string name(program);
	std::fprintf(stderr, "%s: %.*s (try '%s --help')\n", name.c_str(),
		     static_cast<int>(message.size()), message.data(), name.c_str());
	return exit_usage;
}

int report_failure(std::string_view program, std::error_code code, const Diagnostics &diagnostics)
{
	std::string message = diagnostics.message.empty() ? code.message() : diagnostics.message;
	if (code == Errc::invalid_option)
		return report_usage(program, message);
	std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(),
		     message.c_str());
	return code == Errc::missing_privilege ? exit_no_privilege : exit_failure;
}

} // namespace tcptop::cli
