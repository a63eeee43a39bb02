// SPDX-License-Identifier: MIT
// RecordDecoder and merge_udp_flows: the contract's records as user space reads them.
#include <cstring>

#include <doctest/doctest.h>

#include <sys/socket.h>

#include "linux/record_decoder.h"
#include "linux/udp_flows.h"

using namespace tcptop;
using namespace tcptop::linux_impl;

namespace {

constexpr std::int64_t wall_offset = 1'700'000'000'000'000'000LL;

tcptop_tcp_record tcp_v6_record(const IpAddress &local, const IpAddress &remote)
{
	tcptop_tcp_record raw{};
	raw.family = AF_INET6;
	std::memcpy(raw.local_addr, local.data(), 16);
	std::memcpy(raw.remote_addr, remote.data(), 16);
	raw.local_port = 8080;
	raw.remote_port = 40000;
	raw.state = 1;
	raw.cookie = 7;
	return raw;
}

IpAddress v4_mapped(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
{
	return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

tcptop_udp_flow_key flow_key(std::uint64_t cookie, std::uint16_t remote_port)
{
	tcptop_udp_flow_key key{};
	key.cookie = cookie;
	key.remote_addr[0] = 127;
	key.remote_addr[3] = 1;
	key.remote_port = remote_port;
	key.family = AF_INET;
	return key;
}

UdpFlow flow(std::uint64_t cookie, std::uint16_t remote_port, std::uint64_t sent,
	     std::uint64_t first_ns)
{
	UdpFlow result{flow_key(cookie, remote_port), {}};
	result.counters.bytes_sent = sent;
	result.counters.packets_sent = 1;
	result.counters.first_ns = first_ns;
	return result;
}

tcptop_udp_socket socket_with_first_flow(const UdpFlow &first, std::uint32_t state)
{
	tcptop_udp_socket socket{};
	socket.cookie = first.key.cookie;
	socket.first_flow.state = state;
	socket.first_flow.key = first.key;
	socket.first_flow.counters = first.counters;
	return socket;
}

const UdpFlow *find(const std::vector<UdpFlow> &flows, std::uint64_t cookie,
		    std::uint16_t remote_port)
{
	for (const UdpFlow &candidate : flows)
		if (candidate.key.cookie == cookie && candidate.key.remote_port == remote_port)
			return &candidate;
	return nullptr;
}

} // namespace

TEST_CASE("an IPv6 socket talking to an IPv4 peer is reported as IPv4")
{
	RecordDecoder decoder(wall_offset);
	DecodedConnection decoded =
		decoder.tcp(tcp_v6_record(v4_mapped(127, 0, 0, 1), v4_mapped(10, 1, 2, 3)));

	CHECK(decoded.record.family == AddressFamily::ipv4);
	CHECK(format_address(decoded.record.family, decoded.record.local_addr) == "127.0.0.1");
	CHECK(format_address(decoded.record.family, decoded.record.remote_addr) == "10.1.2.3");
	CHECK(decoded.record.state == "ESTABLISHED");
}

TEST_CASE("a mapped peer of a socket bound to :: is IPv4 with an unspecified local address")
{
	RecordDecoder decoder(wall_offset);
	DecodedConnection decoded = decoder.tcp(tcp_v6_record(IpAddress{}, v4_mapped(10, 1, 2, 3)));

	CHECK(decoded.record.family == AddressFamily::ipv4);
	CHECK(format_address(decoded.record.family, decoded.record.local_addr) == "0.0.0.0");
}

TEST_CASE("a real IPv6 connection keeps its addresses")
{
	IpAddress loopback{};
	loopback[15] = 1;
	RecordDecoder decoder(wall_offset);
	DecodedConnection decoded = decoder.tcp(tcp_v6_record(loopback, v4_mapped(10, 1, 2, 3)));

	CHECK(decoded.record.family == AddressFamily::ipv6);
	CHECK(format_address(decoded.record.family, decoded.record.local_addr) == "::1");
	CHECK(format_address(decoded.record.family, decoded.record.remote_addr) == "::ffff:10.1.2.3");
}

TEST_CASE("a close event is CLOSE, with wall-clock times; unknown states are named so")
{
	RecordDecoder decoder(wall_offset);
	tcptop_tcp_record raw = tcp_v6_record(v4_mapped(127, 0, 0, 1), v4_mapped(127, 0, 0, 1));
	raw.kind = TCPTOP_EVENT_TCP_CLOSED;
	raw.state = 4;
	raw.close_ns = 5'000;
	raw.owner.start_ns = 1'000;
	raw.owner.pid = 42;
	std::memcpy(raw.owner.comm, "sixteen-chars-xx", TCPTOP_COMM_LEN);

	DecodedConnection closed = decoder.tcp(raw);
	CHECK(closed.record.closed);
	CHECK(closed.record.state == "CLOSE");
	CHECK(closed.record.close_time_ns == wall_offset + 5'000);
	CHECK(closed.record.start_time_ns == wall_offset + 1'000);
	CHECK(closed.record.comm == "sixteen-chars-xx");

	raw.kind = 0;
	raw.state = 200;
	CHECK(decoder.tcp(raw).record.state == "UNKNOWN");
	raw.owner.start_ns = 0;
	CHECK(decoder.tcp(raw).record.start_time_ns == 0);
}

TEST_CASE("a first flow that raced its claim is added to its hashed twin")
{
	UdpFlow hashed = flow(1, 53, 100, 2'000);
	UdpFlow first = flow(1, 53, 900, 1'000);
	tcptop_udp_socket socket = socket_with_first_flow(first, TCPTOP_FIRST_FLOW_READY);

	std::vector<UdpFlow> merged = merge_udp_flows({hashed, flow(1, 54, 7, 3'000)},
						      {{socket.cookie, socket}});

	REQUIRE(merged.size() == 2);
	const UdpFlow *both = find(merged, 1, 53);
	REQUIRE(both);
	CHECK(both->counters.bytes_sent == 1'000);
	CHECK(both->counters.packets_sent == 2);
	CHECK(both->counters.first_ns == 1'000);
	CHECK(find(merged, 1, 54)->counters.bytes_sent == 7);
}

TEST_CASE("first flows stand alone; unclaimed or half-claimed ones are ignored")
{
	tcptop_udp_socket ready = socket_with_first_flow(flow(1, 53, 10, 1), TCPTOP_FIRST_FLOW_READY);
	tcptop_udp_socket claimed =
		socket_with_first_flow(flow(2, 53, 20, 1), TCPTOP_FIRST_FLOW_CLAIMED);
	tcptop_udp_socket unclaimed = socket_with_first_flow(flow(3, 53, 30, 1), TCPTOP_FIRST_FLOW_FREE);

	std::vector<UdpFlow> merged =
		merge_udp_flows({}, {{1, ready}, {2, claimed}, {3, unclaimed}});

	REQUIRE(merged.size() == 1);
	CHECK(merged[0].key.cookie == 1);
	CHECK(merged[0].counters.bytes_sent == 10);
}
