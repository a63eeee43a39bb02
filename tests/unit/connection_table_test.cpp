// SPDX-License-Identifier: MIT
// ConnectionTable: merging readings, closing, rates and coalescing.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <unordered_map>

#include "core/connection_table.h"

using namespace tcptop;

namespace {

constexpr std::uint64_t second = 1'000'000'000ULL;

ConnectionKey tcp_key(std::uint64_t cookie)
{
	return {Protocol::tcp, cookie, {}, 0};
}

ConnectionRecord reading(std::uint64_t sent, std::uint64_t received, std::uint64_t start_ns)
{
	ConnectionRecord record;
	record.bytes_sent = sent;
	record.bytes_received = received;
	record.start_time_ns = start_ns;
	record.local_port = 1000;
	return record;
}

const ConnectionRecord *find(const Snapshot &snapshot, std::uint64_t sent)
{
	for (const ConnectionRecord &record : snapshot.connections)
		if (record.bytes_sent == sent)
			return &record;
	return nullptr;
}

} // namespace

TEST_CASE("a connection opened during the interval counts its rate from zero")
{
	ConnectionTable table(16, 100 * second);
	table.observe(tcp_key(1), reading(4000, 2000, 100 * second + 1), 101 * second);

	Snapshot snapshot = table.snapshot(102 * second);
	REQUIRE(snapshot.connections.size() == 1);
	CHECK(snapshot.interval_ns == 2 * second);
	CHECK(snapshot.connections[0].bytes_sent_per_sec == doctest::Approx(2000));
	CHECK(snapshot.connections[0].bytes_received_per_sec == doctest::Approx(1000));
}

TEST_CASE("a connection older than the collector counts its rate from first sight")
{
	ConnectionTable table(16, 100 * second);
	table.observe(tcp_key(1), reading(5000, 0, 0), 100 * second);
	table.commit(100 * second);
	table.observe(tcp_key(1), reading(6000, 0, 0), 101 * second);

	Snapshot first = table.snapshot(101 * second);
	REQUIRE(first.connections.size() == 1);
	CHECK(first.connections[0].bytes_sent_per_sec == doctest::Approx(1000));
	CHECK(first.connections[0].start_time_ns == 100 * second);
}

TEST_CASE("closed connections appear once, then are forgotten")
{
	ConnectionTable table(16, 0);
	ConnectionRecord closed = reading(10, 20, 1);
	closed.closed = true;
	closed.close_time_ns = 5;
	table.observe_close(tcp_key(7), closed, 10);

	Snapshot snapshot = table.snapshot(20);
	REQUIRE(snapshot.connections.size() == 1);
	CHECK(snapshot.connections[0].closed);
	CHECK(snapshot.connections[0].close_time_ns == 5);
	table.commit(20);
	CHECK(table.snapshot(30).connections.empty());
}

TEST_CASE("a close that lost its local port keeps the one seen while open")
{
	ConnectionTable table(16, 0);
	ConnectionRecord open = reading(10, 20, 1);
	open.local_addr[0] = 127;
	table.observe(tcp_key(7), open, 10);

	ConnectionRecord closed = reading(30, 40, 1);
	closed.local_port = 0;
	closed.closed = true;
	table.observe_close(tcp_key(7), closed, 20);

	Snapshot snapshot = table.snapshot(30);
	REQUIRE(snapshot.connections.size() == 1);
	CHECK(snapshot.connections[0].closed);
	CHECK(snapshot.connections[0].bytes_sent == 30);
	CHECK(snapshot.connections[0].local_port == 1000);
	CHECK(snapshot.connections[0].local_addr[0] == 127);
}

TEST_CASE("a late live reading does not reopen a closed connection")
{
	ConnectionTable table(16, 0);
	ConnectionRecord closed = reading(10, 20, 1);
	closed.closed = true;
	table.observe_close(tcp_key(7), closed, 10);
	table.observe(tcp_key(7), reading(9, 19, 1), 11);

	Snapshot snapshot = table.snapshot(20);
	REQUIRE(snapshot.connections.size() == 1);
	CHECK(snapshot.connections[0].closed);
	CHECK(snapshot.connections[0].bytes_sent == 10);
}

TEST_CASE("sockets missing from a walk are closed with their last totals")
{
	ConnectionTable table(16, 0);
	table.begin_pass();
	table.observe(tcp_key(1), reading(1, 1, 1), 10);
	table.observe(tcp_key(2), reading(2, 2, 1), 10);
	table.begin_pass();
	table.observe(tcp_key(1), reading(3, 3, 1), 20);
	table.close_unseen(Protocol::tcp, 20);

	Snapshot snapshot = table.snapshot(30);
	REQUIRE(snapshot.connections.size() == 2);
	CHECK_FALSE(find(snapshot, 3)->closed);
	CHECK(find(snapshot, 2)->closed);
	CHECK(find(snapshot, 2)->state == TcpState::close);
}

TEST_CASE("known owner fields survive readings that lack them")
{
	ConnectionTable table(16, 0);
	ConnectionRecord first = reading(1, 1, 1);
	first.pid = 42;
	first.comm = "server";
	first.role = Role::server;
	table.observe(tcp_key(1), first, 10);
	table.observe(tcp_key(1), reading(2, 2, 1), 20);

	Snapshot snapshot = table.snapshot(30);
	REQUIRE(snapshot.connections.size() == 1);
	CHECK(snapshot.connections[0].pid == 42);
	CHECK(snapshot.connections[0].comm == "server");
	CHECK(snapshot.connections[0].role == Role::server);
	CHECK(snapshot.connections[0].bytes_sent == 2);
}

TEST_CASE("owners learned later fill every flow of the socket")
{
	ConnectionTable table(16, 0);
	ConnectionKey a{Protocol::udp, 9, {1}, 53};
	ConnectionKey b{Protocol::udp, 9, {2}, 53};
	table.observe(a, reading(1, 0, 1), 10);
	table.observe(b, reading(2, 0, 1), 10);
	CHECK(table.cookies_without_owner().size() == 2);

	Owner owner;
	owner.pid = 7;
	owner.comm = "dns";
	table.apply_owner(9, owner);
	CHECK(table.cookies_without_owner().empty());
	for (const ConnectionRecord &record : table.snapshot(20).connections)
		CHECK(record.comm == "dns");
}

TEST_CASE("owners found once fill the flows that appear later, and only entries without one")
{
	ConnectionTable table(16, 0);
	ConnectionKey first{Protocol::udp, 9, {1}, 53};
	ConnectionKey later{Protocol::udp, 9, {2}, 53};
	ConnectionRecord known = reading(1, 0, 1);
	known.pid = 3;
	known.comm = "other";
	OwnersByCookie owners;
	owners[9].pid = 7;
	owners[9].comm = "dns";

	table.observe(first, reading(1, 0, 1), 10);
	table.observe(tcp_key(5), known, 10);
	owners[5].pid = 8;
	table.apply_owners(owners);
	table.observe(later, reading(2, 0, 1), 20);
	CHECK(table.cookies_without_owner() == std::vector<std::uint64_t>{9});
	table.apply_owners(owners);
	CHECK(table.cookies_without_owner().empty());
	std::multiset<std::string> comms;
	for (const ConnectionRecord &record : table.snapshot(30).connections)
		comms.insert(record.comm);
	CHECK(comms == std::multiset<std::string>{"dns", "dns", "other"});
}

TEST_CASE("a connection closed before its owner was known still gets it, until committed")
{
	ConnectionTable table(16, 0);
	ConnectionRecord reset = reading(5, 6, 1);
	reset.closed = true;
	table.observe_close(tcp_key(3), reset, 10);
	REQUIRE(table.cookies_without_owner() == std::vector<std::uint64_t>{3});

	Owner owner;
	owner.pid = 11;
	owner.comm = "server";
	table.apply_owner(3, owner);
	Snapshot snapshot = table.snapshot(20);
	REQUIRE(snapshot.connections.size() == 1);
	CHECK(snapshot.connections[0].closed);
	CHECK(snapshot.connections[0].pid == 11);
	CHECK(snapshot.connections[0].comm == "server");

	table.commit(20);
	CHECK(table.cookies_without_owner().empty());
}

TEST_CASE("beyond capacity new connections are counted as evicted, not stored")
{
	ConnectionTable table(2, 0);
	for (std::uint64_t cookie = 1; cookie <= 5; ++cookie)
		table.observe(tcp_key(cookie), reading(cookie, 0, 1), 10);

	CHECK(table.size() == 2);
	Snapshot snapshot = table.snapshot(20);
	CHECK(snapshot.stats.connections_evicted == 3);
	table.commit(20);
	CHECK(table.snapshot(30).stats.connections_evicted == 0);
}

TEST_CASE("without commit the next snapshot spans both intervals")
{
	ConnectionTable table(16, 0);
	table.observe(tcp_key(1), reading(1000, 0, 1), 1 * second);
	Snapshot missed = table.snapshot(1 * second);
	table.observe(tcp_key(1), reading(3000, 0, 1), 2 * second);

	Snapshot folded = table.snapshot(2 * second);
	CHECK(folded.interval_ns == 2 * second);
	REQUIRE(folded.connections.size() == 1);
	CHECK(folded.connections[0].bytes_sent_per_sec == doctest::Approx(1500));
	CHECK(missed.interval_ns == 1 * second);
}

TEST_CASE("filters select by pid, port, protocol and family")
{
	ConnectionRecord web = reading(1, 0, 1);
	web.pid = 10;
	web.local_port = 443;
	ConnectionRecord dns = reading(2, 0, 1);
	dns.pid = 20;
	dns.protocol = Protocol::udp;
	dns.family = AddressFamily::ipv6;
	dns.remote_port = 53;
	auto snapshot_with = [&](const Options &filters) {
		ConnectionTable table(16, 0, filters);
		table.observe(tcp_key(1), web, 1);
		table.observe({Protocol::udp, 2, {}, 53}, dns, 1);
		return table.snapshot(2);
	};

	Options by_pid;
	by_pid.pid = 20;
	Options by_port;
	by_port.port = 443;
	Options tcp_only;
	tcp_only.protocols.udp = false;
	Options v6_only;
	v6_only.families.ipv4 = false;

	CHECK(snapshot_with(by_pid).connections.at(0).pid == 20);
	CHECK(snapshot_with(by_pid).connections.size() == 1);
	CHECK(snapshot_with(by_port).connections.at(0).local_port == 443);
	CHECK(snapshot_with(by_port).connections.size() == 1);
	CHECK(snapshot_with(tcp_only).connections.size() == 1);
	CHECK(snapshot_with(v6_only).connections.at(0).remote_port == 53);
}

TEST_CASE("connections the filters rule out take no room and are not counted as evicted")
{
	Options by_port;
	by_port.port = 443;
	ConnectionTable table(1, 0, by_port);
	ConnectionRecord other = reading(1, 0, 1);
	other.local_port = 8080;
	table.observe(tcp_key(1), other, 1);
	table.observe_close(tcp_key(2), other, 1);
	/* A closing socket may have lost its local port: held, as it may pass. */
	ConnectionRecord web = reading(5, 0, 1);
	web.local_port = 0;
	web.remote_port = 443;
	table.observe(tcp_key(3), web, 1);

	Snapshot snapshot = table.snapshot(2);
	CHECK(snapshot.connections.size() == 1);
	CHECK(snapshot.stats.connections_tracked == 1);
	CHECK(snapshot.stats.connections_evicted == 0);
}

TEST_CASE("a refused connection counts once per interval, however often it is read")
{
	ConnectionTable table(1, 0);
	table.observe(tcp_key(1), reading(1, 0, 1), 1);

	/* Refused at two walks, then its close: one connection. */
	for (int pass = 0; pass < 2; ++pass) {
		table.begin_pass();
		table.observe(tcp_key(1), reading(1, 0, 1), 2);
		table.observe(tcp_key(2), reading(2, 0, 1), 2);
		table.close_unseen(Protocol::tcp, 2);
	}
	ConnectionRecord closed = reading(3, 0, 1);
	closed.closed = true;
	table.observe_close(tcp_key(2), closed, 3);
	/* A UDP flow of the same socket cookie is a connection of its own. */
	table.observe({Protocol::udp, 2, {}, 53}, reading(4, 0, 1), 3);
	CHECK(table.snapshot(4).stats.connections_evicted == 2);

	/* Folded into the next snapshot (not committed): still counted once. */
	table.begin_pass();
	table.observe(tcp_key(1), reading(1, 0, 1), 5);
	table.close_unseen(Protocol::tcp, 5);
	table.observe({Protocol::udp, 2, {}, 53}, reading(4, 0, 1), 5);
	CHECK(table.snapshot(6).stats.connections_evicted == 2);

	/* A new interval counts the flow still refused in it anew. */
	table.commit(6);
	table.observe({Protocol::udp, 2, {}, 53}, reading(5, 0, 1), 7);
	CHECK(table.snapshot(8).stats.connections_evicted == 1);
}

TEST_CASE("a refused socket that a walk no longer finds is forgotten")
{
	ConnectionTable table(1, 0);
	table.observe(tcp_key(1), reading(1, 0, 1), 1);
	table.begin_pass();
	table.observe(tcp_key(1), reading(1, 0, 1), 1);
	table.observe(tcp_key(2), reading(2, 0, 1), 1);
	table.close_unseen(Protocol::tcp, 1);
	CHECK(table.snapshot(2).stats.connections_evicted == 1);

	/* Gone from the next walk: its cookie is never read again, so what
	 * was kept to count it once is released. */
	table.begin_pass();
	table.observe(tcp_key(1), reading(1, 0, 1), 3);
	table.close_unseen(Protocol::tcp, 3);
	CHECK(table.refused_since_commit() == 0);
	CHECK(table.snapshot(4).stats.connections_evicted == 1);
}
