// SPDX-License-Identifier: MIT
// A program that uses libtcptop as its users would, built by CMake and by meson; no root, no BPF.
#include <cstdio>
#include <string>
#include <system_error>

#include <tcptop/tcptop.hpp>

int main()
{
	// The version of the headers it was compiled with.
	std::printf("version %s\n", TCPTOP_VERSION_STRING);

	// A function of the library itself, so that linking it is tested too.
	const tcptop::IpAddress loopback{127, 0, 0, 1};
	std::string address = tcptop::format_address(tcptop::AddressFamily::ipv4, loopback);
	std::printf("address %s\n", address.c_str());

	// The factory checks options before it touches the kernel.
	tcptop::Options options;
	options.interval = {};
	std::error_code code;
	tcptop::Diagnostics diagnostics;
	auto collector = tcptop::make_ebpf_collector(options, {}, code, diagnostics);
	std::printf("refused %s: %s\n", code == tcptop::Errc::invalid_option ? "invalid_option" : "?",
		    diagnostics.message.c_str());
	return collector ? 1 : 0;
}
