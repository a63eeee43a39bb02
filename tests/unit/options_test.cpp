// SPDX-License-Identifier: MIT
// Options validation: every bad field is named.
#include <doctest/doctest.h>

#include <tcptop/connection_record.h>
#include <tcptop/ebpf_collector.h>

#include "core/options_check.h"

using namespace tcptop;

namespace {

std::string rejection(const Options &options)
{
	Diagnostics diagnostics;
	std::error_code code = check_options(options, diagnostics);
	CHECK(code == Errc::invalid_option);
	return diagnostics.message;
}

} // namespace

TEST_CASE("default options are valid")
{
	Diagnostics diagnostics;
	CHECK_FALSE(check_options(Options{}, diagnostics));
}

TEST_CASE("each bad option is named")
{
	Options options;
	options.interval = std::chrono::milliseconds(1);
	CHECK(rejection(options).find("interval") != std::string::npos);

	options = {};
	options.interval = std::chrono::hours(2);
	CHECK(rejection(options).find("interval") != std::string::npos);

	options = {};
	options.protocols = {false, false};
	CHECK(rejection(options).find("protocols") != std::string::npos);

	options = {};
	options.families = {false, false};
	CHECK(rejection(options).find("families") != std::string::npos);

	options = {};
	options.max_connections = 0;
	CHECK(rejection(options).find("max_connections") != std::string::npos);
}

TEST_CASE("the eBPF collector names a UDP flow table beyond the limit, before anything loads")
{
	EbpfOptions ebpf;
	ebpf.max_udp_flows = max_connections_limit + 1;
	std::error_code code;
	Diagnostics diagnostics;
	CHECK_FALSE(make_ebpf_collector(Options{}, ebpf, code, diagnostics));
	CHECK(code == Errc::invalid_option);
	CHECK(diagnostics.message.find("max_udp_flows") != std::string::npos);

	ebpf.max_udp_flows = max_connections_limit;
	CHECK(make_ebpf_collector(Options{}, ebpf, code, diagnostics));
	CHECK_FALSE(code);
}

TEST_CASE("the eBPF collector takes only ring buffer sizes the kernel can map")
{
	std::error_code code;
	Diagnostics diagnostics;
	for (std::size_t bytes : {std::size_t{1}, std::size_t{4095}, std::size_t{4096 * 3},
				  max_event_buffer_bytes * 2}) {
		EbpfOptions ebpf;
		ebpf.event_buffer_bytes = bytes;
		CAPTURE(bytes);
		CHECK_FALSE(make_ebpf_collector(Options{}, ebpf, code, diagnostics));
		CHECK(code == Errc::invalid_option);
		CHECK(diagnostics.message.find("event_buffer_bytes") != std::string::npos);
	}
	for (std::size_t bytes : {std::size_t{0}, std::size_t{4096}, max_event_buffer_bytes}) {
		EbpfOptions ebpf;
		ebpf.event_buffer_bytes = bytes;
		CAPTURE(bytes);
		CHECK(make_ebpf_collector(Options{}, ebpf, code, diagnostics));
		CHECK_FALSE(code);
	}
}

TEST_CASE("error codes compare and carry a category")
{
	std::error_code code = Errc::missing_privilege;
	CHECK(code == Errc::missing_privilege);
	CHECK(std::string(code.category().name()) == "tcptop");
	CHECK_FALSE(code.message().empty());
}

TEST_CASE("addresses and enums have text forms")
{
	IpAddress v4{127, 0, 0, 1};
	IpAddress v6{};
	v6[15] = 1;
	CHECK(format_address(AddressFamily::ipv4, v4) == "127.0.0.1");
	CHECK(format_address(AddressFamily::ipv6, v6) == "::1");
	CHECK(to_string(Protocol::udp) == "udp");
	CHECK(to_string(AddressFamily::ipv6) == "ipv6");
	CHECK(to_string(Role::server) == "server");
	CHECK(to_string(TcpState::none).empty());
	CHECK(to_string(TcpState::established) == "ESTABLISHED");
	CHECK(to_string(TcpState::bound_inactive) == "BOUND_INACTIVE");
	CHECK(to_string(TcpState::unknown) == "UNKNOWN");
}
