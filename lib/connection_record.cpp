// SPDX-License-Identifier: MIT
// Text forms of the enums and addresses of a ConnectionRecord.
#include <tcptop/connection_record.h>

#include <arpa/inet.h>

namespace tcptop {

std::string_view to_string(Protocol protocol) noexcept
{
	return protocol == Protocol::tcp ? "tcp" : "udp";
}

std::string_view to_string(AddressFamily family) noexcept
{
	return family == AddressFamily::ipv4 ? "ipv4" : "ipv6";
}

std::string_view to_string(Role role) noexcept
{
	switch (role) {
	case Role::client:
		return "client";
	case Role::server:
		return "server";
	case Role::unknown:
		break;
	}
	return "unknown";
}

std::string format_address(AddressFamily family, const IpAddress &address)
{
	char text[INET6_ADDRSTRLEN] = {};
	int af = family == AddressFamily::ipv4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, address.data(), text, sizeof(text)))
		return {};
	return text;
}

} // namespace tcptop
