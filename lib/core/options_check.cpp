// SPDX-License-Identifier: MIT
// Validation of Options, and the record filter they describe.
#include "core/options_check.h"

#include <chrono>

namespace tcptop {

namespace {

std::error_code invalid(Diagnostics &diagnostics, const char *message)
{
	diagnostics.message = message;
	return Errc::invalid_option;
}

} // namespace

std::error_code check_options(const Options &options, Diagnostics &diagnostics)
{
	if (options.interval < min_interval || options.interval > max_interval)
		return invalid(diagnostics, "invalid option interval: must be from 10 ms to 1 hour");
	if (!options.protocols.tcp && !options.protocols.udp)
		return invalid(diagnostics, "invalid option protocols: select tcp, udp or both");
	if (!options.families.ipv4 && !options.families.ipv6)
		return invalid(diagnostics, "invalid option families: select ipv4, ipv6 or both");
	if (options.max_connections < 1 || options.max_connections > max_connections_limit)
		return invalid(diagnostics, "invalid option max_connections: must be from 1 to 4194304");
	return {};
}

bool passes_filters(const Options &options, const ConnectionRecord &record) noexcept
{
	if (options.pid != 0 && record.pid != options.pid)
		return false;
	if (options.port != 0 && record.local_port != options.port &&
	    record.remote_port != options.port)
		return false;
	return may_pass_filters(options, record);
}

bool may_pass_filters(const Options &options, const ConnectionRecord &record) noexcept
{
	if (options.port != 0 && record.local_port != 0 && record.local_port != options.port &&
	    record.remote_port != options.port)
		return false;
	if (record.protocol == Protocol::tcp ? !options.protocols.tcp : !options.protocols.udp)
		return false;
	return record.family == AddressFamily::ipv4 ? options.families.ipv4
						    : options.families.ipv6;
}

} // namespace tcptop
