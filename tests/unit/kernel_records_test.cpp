// SPDX-License-Identifier: MIT
// RecordDecoder and assemble_udp_flows: the contract's records, as bytes, as user space reads them.
#include <cstring>

#include <doctest/doctest.h>

#include <sys/socket.h>

#include <linux/types.h>

#include "bpf/kernel_contract.h"
#include "linux/ebpf/record_decoder.h"
#include "linux/ebpf/udp_flows.h"

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

template<typename Record>
Bytes bytes_of(const Record &record)
{
	return std::as_bytes(std::span(&record, 1));
}

/* A TCP record as user space meets it: a closed one in an event, a live
 * one in an iter/tcp pass. */
DecodedConnection decode(const RecordDecoder &decoder, const tcptop_tcp_record &raw)
{
	if (raw.kind == TCPTOP_EVENT_TCP_CLOSED)
		return std::get<TcpClosed>(decoder.event(bytes_of(raw))).connection;
	std::vector<DecodedConnection> walked;
	decoder.each_tcp_socket(bytes_of(raw), [&](const DecodedConnection &c) { walked.push_back(c); });
	REQUIRE(walked.size() == 1);
	return walked[0];
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

struct RawFlow {
	tcptop_udp_flow_key key;
	tcptop_udp_flow counters;
};

RawFlow flow(std::uint64_t cookie, std::uint16_t remote_port, std::uint64_t sent,
	     std::uint64_t first_ns)
{
	RawFlow result{flow_key(cookie, remote_port), {}};
	result.counters.bytes_sent = sent;
	result.counters.packets_sent = 1;
	result.counters.first_ns = first_ns;
	return result;
}

/* A flow of the udp_flows map, decoded. */
DecodedConnection hashed(const RecordDecoder &decoder, const RawFlow &raw)
{
	std::optional<DecodedConnection> decoded =
		decoder.udp_flow(bytes_of(raw.key), bytes_of(raw.counters));
	REQUIRE(decoded);
	return *decoded;
}

tcptop_udp_socket socket_with_first_flow(const RawFlow &first, std::uint32_t state)
{
	tcptop_udp_socket socket{};
	socket.cookie = first.key.cookie;
	socket.first_flow.state = state;
	socket.first_flow.key = first.key;
	socket.first_flow.counters = first.counters;
	return socket;
}

/* Sockets as an iter/udp pass hands them over: back to back. */
UdpSocketsByCookie walked_sockets(const RecordDecoder &decoder,
				  const std::vector<tcptop_udp_socket> &raw)
{
	UdpSocketsByCookie sockets;
	for (DecodedUdpSocket &socket : decoder.udp_sockets(std::as_bytes(std::span(raw))))
		sockets[socket.cookie] = socket;
	return sockets;
}

const DecodedConnection *find(const std::vector<DecodedConnection> &flows, std::uint64_t cookie,
			      std::uint16_t remote_port)
{
	for (const DecodedConnection &candidate : flows)
		if (candidate.key.socket_cookie == cookie && candidate.key.remote_port == remote_port)
			return &candidate;
	return nullptr;
}

} // namespace

TEST_CASE("an IPv6 socket talking to an IPv4 peer is reported as IPv4")
{
	RecordDecoder decoder(wall_offset);
	DecodedConnection decoded =
		decode(decoder, tcp_v6_record(v4_mapped(127, 0, 0, 1), v4_mapped(10, 1, 2, 3)));

	CHECK(decoded.record.family == AddressFamily::ipv4);
	CHECK(format_address(decoded.record.family, decoded.record.local_addr) == "127.0.0.1");
	CHECK(format_address(decoded.record.family, decoded.record.remote_addr) == "10.1.2.3");
	CHECK(decoded.record.state == TcpState::established);
}

TEST_CASE("a mapped peer of a socket bound to :: is IPv4 with an unspecified local address")
{
	RecordDecoder decoder(wall_offset);
	DecodedConnection decoded = decode(decoder, tcp_v6_record(IpAddress{}, v4_mapped(10, 1, 2, 3)));

	CHECK(decoded.record.family == AddressFamily::ipv4);
	CHECK(format_address(decoded.record.family, decoded.record.local_addr) == "0.0.0.0");
}

TEST_CASE("a real IPv6 connection keeps its addresses")
{
	IpAddress loopback{};
	loopback[15] = 1;
	RecordDecoder decoder(wall_offset);
	DecodedConnection decoded = decode(decoder, tcp_v6_record(loopback, v4_mapped(10, 1, 2, 3)));

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
	std::memcpy(raw.owner.comm, "sixteen-chars-xx", TCPTOP_TASK_COMM_LEN);

	DecodedConnection closed = decode(decoder, raw);
	CHECK(closed.record.closed);
	CHECK(closed.record.state == TcpState::close);
	CHECK(closed.record.close_time_ns == wall_offset + 5'000);
	CHECK(closed.record.start_time_ns == wall_offset + 1'000);
	CHECK(closed.record.comm == "sixteen-chars-xx");

	raw.kind = 0;
	raw.state = 200;
	CHECK(decode(decoder, raw).record.state == TcpState::unknown);
	raw.owner.start_ns = 0;
	CHECK(decode(decoder, raw).record.start_time_ns == 0);
}

TEST_CASE("a first flow that raced its claim is added to its hashed twin")
{
	RecordDecoder decoder(wall_offset);
	RawFlow first = flow(1, 53, 900, 1'000);
	UdpSocketsByCookie sockets =
		walked_sockets(decoder, {socket_with_first_flow(first, TCPTOP_FIRST_FLOW_READY)});

	std::vector<DecodedConnection> merged = assemble_udp_flows(
		{hashed(decoder, flow(1, 53, 100, 2'000)), hashed(decoder, flow(1, 54, 7, 3'000))},
		sockets);

	REQUIRE(merged.size() == 2);
	const DecodedConnection *both = find(merged, 1, 53);
	REQUIRE(both);
	CHECK(both->record.bytes_sent == 1'000);
	CHECK(both->record.packets_sent == 2);
	CHECK(both->record.start_time_ns == wall_offset + 1'000);
	CHECK(find(merged, 1, 54)->record.bytes_sent == 7);
}

TEST_CASE("first flows stand alone; unclaimed or half-claimed ones are ignored")
{
	RecordDecoder decoder(wall_offset);
	UdpSocketsByCookie sockets = walked_sockets(
		decoder, {socket_with_first_flow(flow(1, 53, 10, 1), TCPTOP_FIRST_FLOW_READY),
			  socket_with_first_flow(flow(2, 53, 20, 1), TCPTOP_FIRST_FLOW_CLAIMED),
			  socket_with_first_flow(flow(3, 53, 30, 1), TCPTOP_FIRST_FLOW_FREE)});

	std::vector<DecodedConnection> merged = assemble_udp_flows({}, sockets);

	REQUIRE(merged.size() == 1);
	CHECK(merged[0].key.socket_cookie == 1);
	CHECK(merged[0].record.bytes_sent == 10);
}

TEST_CASE("a released socket's flows carry its owner, namespace and close")
{
	RecordDecoder decoder(wall_offset);
	tcptop_udp_socket raw = socket_with_first_flow(flow(4, 53, 10, 1), TCPTOP_FIRST_FLOW_READY);
	raw.kind = TCPTOP_EVENT_UDP_RELEASED;
	raw.close_ns = 9'000;
	raw.owner.pid = 77;
	raw.owner.netns = 4026531840U;
	std::memcpy(raw.owner.comm, "resolver", 9);

	DecodedUdpSocket released = std::get<UdpReleased>(decoder.event(bytes_of(raw))).socket;
	std::vector<DecodedConnection> flows =
		assemble_udp_flows({hashed(decoder, flow(4, 5353, 3, 2))}, {{released.cookie, released}});

	REQUIRE(flows.size() == 2);
	for (const DecodedConnection &f : flows) {
		CHECK(f.record.closed);
		CHECK(f.record.close_time_ns == wall_offset + 9'000);
		CHECK(f.record.pid == 77);
		CHECK(f.record.comm == "resolver");
		CHECK(f.record.netns == 4026531840U);
	}
}

TEST_CASE("events: owners learned, and unknown or short records ignored")
{
	RecordDecoder decoder(wall_offset);
	tcptop_owner_record learned{};
	learned.kind = TCPTOP_EVENT_OWNER_LEARNED;
	learned.cookie = 12;
	learned.owner.pid = 5;
	learned.owner.cgroup_id = 6;
	std::memcpy(learned.owner.comm, "sshd", 5);

	DecodedEvent event = decoder.event(bytes_of(learned));
	REQUIRE(std::holds_alternative<OwnerLearned>(event));
	CHECK(std::get<OwnerLearned>(event).cookie == 12);
	CHECK(std::get<OwnerLearned>(event).owner.comm == "sshd");
	CHECK(std::get<OwnerLearned>(event).owner.cgroup_id == 6);

	Bytes whole = bytes_of(learned);
	CHECK(std::holds_alternative<std::monostate>(decoder.event(whole.first(whole.size() - 1))));
	CHECK(std::holds_alternative<std::monostate>(decoder.event(whole.first(2))));
	learned.kind = 99;
	CHECK(std::holds_alternative<std::monostate>(decoder.event(bytes_of(learned))));

	tcptop_tcp_record live = tcp_v6_record(IpAddress{}, IpAddress{});
	std::size_t visited = 0;
	decoder.each_tcp_socket(bytes_of(live).first(sizeof(live) - 1),
				[&](const DecodedConnection &) { ++visited; });
	CHECK(visited == 0);
}

TEST_CASE("the owner walk keeps only the sockets asked for")
{
	RecordDecoder decoder(wall_offset);
	std::vector<tcptop_owner_record> walked(3);
	for (std::size_t i = 0; i < walked.size(); ++i) {
		walked[i].cookie = 100 + i;
		walked[i].owner.pid = 10 + static_cast<__u32>(i);
	}
	OwnersByCookie owners = decoder.socket_owners(std::as_bytes(std::span(walked)), {101, 555});
	REQUIRE(owners.size() == 1);
	CHECK(owners.at(101).pid == 11);
}

TEST_CASE("each drop counter is the sum of its per-CPU values; a torn read counts nothing")
{
	RecordDecoder decoder(wall_offset);
	/* Three CPUs per counter, counters in enum tcptop_drop_counter order. */
	std::vector<__u64> per_cpu = {1, 0, 2, 10, 20, 30, 0, 5, 0};
	static_assert(TCPTOP_DROP_COUNTER_COUNT == 3);
	SourceCounters counts = decoder.drop_counts(std::as_bytes(std::span(per_cpu)));
	CHECK(counts.events_dropped == 3);
	CHECK(counts.udp_datagrams_untracked == 60);
	CHECK(counts.udp_datagrams_unparsed == 5);
	CHECK(counts.events == 0);

	per_cpu.pop_back();
	counts = decoder.drop_counts(std::as_bytes(std::span(per_cpu)));
	CHECK(counts.events_dropped == 0);
	CHECK(counts.udp_datagrams_untracked == 0);
}
