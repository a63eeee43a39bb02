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

std::string_view to_string(TcpState state) noexcept
{
	switch (state) {
	case TcpState::none:
		return "";
	case TcpState::established:
		return "ESTABLISHED";
	case TcpState::syn_sent:
		return "SYN_SENT";
	case TcpState::syn_recv:
		return "SYN_RECV";
	case TcpState::fin_wait1:
		return "FIN_WAIT1";
	case TcpState::fin_wait2:
		return "FIN_WAIT2";
	case TcpState::time_wait:
		return "TIME_WAIT";
	case TcpState::close:
		return "CLOSE";
	case TcpState::close_wait:
		return "CLOSE_WAIT";
	case TcpState::last_ack:
		return "LAST_ACK";
	case TcpState::listen:
		return "LISTEN";
	case TcpState::closing:
		return "CLOSING";
	case TcpState::new_syn_recv:
		return "NEW_SYN_RECV";
	case TcpState::bound_inactive:
		return "BOUND_INACTIVE";
	case TcpState::unknown:
		break;
	}
	return "UNKNOWN";
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
