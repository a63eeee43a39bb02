// SPDX-License-Identifier: MIT
// The tcptop CLI's tables: human units, sort orders, columns fitted to a width.
#include <doctest/doctest.h>

#include <string>

#include "ordering.h"
#include "table.h"
#include "units.h"

using namespace tcptop;
using namespace tcptop::cli;

namespace {

ConnectionRecord record(std::uint32_t pid, double sent_rate, double received_rate,
			std::uint64_t total, std::uint64_t start, std::uint64_t cookie)
{
	ConnectionRecord r;
	r.pid = pid;
	r.comm = "p" + std::to_string(pid);
	r.bytes_sent_per_sec = sent_rate;
	r.bytes_received_per_sec = received_rate;
	r.bytes_sent = total;
	r.start_time_ns = start;
	r.socket_cookie = cookie;
	r.local_addr = {127, 0, 0, 1};
	r.remote_addr = {127, 0, 0, 1};
	r.local_port = 1000;
	r.remote_port = 2000;
	r.state = TcpState::established;
	return r;
}

std::vector<std::uint32_t> pids(const Snapshot &snapshot, SortKey key, std::size_t limit = 0)
{
	std::vector<std::uint32_t> out;
	for (const ConnectionRecord *r : ordered_records(snapshot, key, limit))
		out.push_back(r->pid);
	return out;
}

} // namespace

TEST_CASE("bytes and rates in binary units, three significant digits")
{
	CHECK(format_bytes(0) == "0 B");
	CHECK(format_bytes(1023) == "1023 B");
	CHECK(format_bytes(1024) == "1.00 KiB");
	CHECK(format_bytes(123456) == "121 KiB");
	CHECK(format_bytes(300000) == "293 KiB");
	CHECK(format_bytes(10 * 1024 - 1) == "10.0 KiB");
	CHECK(format_bytes(1024 * 1024 - 1) == "1.00 MiB");
	CHECK(format_bytes(5ULL << 30) == "5.00 GiB");
	CHECK(format_bytes(18446744073709551615ULL) == "16.0 EiB");
	CHECK(format_rate(0.4) == "0 B/s");
	CHECK(format_rate(1536) == "1.50 KiB/s");
	CHECK(format_rate(-1) == "0 B/s");
	CHECK(format_rate(100.0 * 1024 * 1024) == "100 MiB/s");
}

TEST_CASE("round-trip times in us, ms or s")
{
	CHECK(format_rtt(87) == "87 us");
	CHECK(format_rtt(999) == "999 us");
	CHECK(format_rtt(1250) == "1.25 ms");
	CHECK(format_rtt(310000) == "310 ms");
	CHECK(format_rtt(999700) == "1.00 s");
	CHECK(format_rtt(2100000) == "2.10 s");
}

TEST_CASE("sort keys: names, cycle, order")
{
	CHECK(parse_sort_key("received") == SortKey::received);
	CHECK_FALSE(parse_sort_key("speed"));
	SortKey key = SortKey::rate;
	std::vector<std::string_view> cycle;
	for (int i = 0; i < 6; ++i) {
		cycle.push_back(to_string(key));
		key = next_sort_key(key);
	}
	CHECK(key == SortKey::rate);
	CHECK(cycle == std::vector<std::string_view>{"rate", "sent", "received", "total", "pid", "age"});

	Snapshot snapshot;
	snapshot.connections = {
		record(30, 100, 0, 5000, 300, 1),
		record(10, 0, 500, 100, 100, 2),
		record(20, 300, 100, 9000, 200, 3),
	};
	CHECK(pids(snapshot, SortKey::rate) == std::vector<std::uint32_t>{10, 20, 30});
	CHECK(pids(snapshot, SortKey::sent) == std::vector<std::uint32_t>{20, 30, 10});
	CHECK(pids(snapshot, SortKey::received) == std::vector<std::uint32_t>{10, 20, 30});
	CHECK(pids(snapshot, SortKey::total) == std::vector<std::uint32_t>{20, 30, 10});
	CHECK(pids(snapshot, SortKey::pid) == std::vector<std::uint32_t>{10, 20, 30});
	CHECK(pids(snapshot, SortKey::age) == std::vector<std::uint32_t>{10, 20, 30});
	CHECK(pids(snapshot, SortKey::total, 2) == std::vector<std::uint32_t>{20, 30});

	/* Ties keep the cookie order whatever order the collector used. */
	Snapshot tied;
	tied.connections = {record(1, 0, 0, 0, 0, 9), record(2, 0, 0, 0, 0, 4)};
	CHECK(pids(tied, SortKey::rate) == std::vector<std::uint32_t>{2, 1});
}

TEST_CASE("table rows: units, brackets for IPv6, closed and unknown marked")
{
	ConnectionRecord v6 = record(7, 2048, 0, 300000, 0, 1);
	v6.family = AddressFamily::ipv6;
	v6.local_addr = {};
	v6.local_addr[15] = 1;
	v6.remote_addr = v6.local_addr;
	v6.srtt_us = 1250;
	ConnectionRecord closed = record(0, 0, 0, 0, 0, 2);
	closed.comm.clear();
	closed.closed = true;
	closed.state = TcpState::close;
	ConnectionRecord udp = record(8, 0, 0, 10, 0, 3);
	udp.protocol = Protocol::udp;
	udp.state = TcpState::none;
	udp.comm = "bad\x1b[2Jname";

	std::vector<std::string> lines = table_lines({&v6, &closed, &udp}, 0);
	REQUIRE(lines.size() == 4);
	CHECK(lines[0].find("PID") != std::string::npos);
	CHECK(lines[1].find("[::1]:1000") != std::string::npos);
	CHECK(lines[1].find("2.00 KiB/s") != std::string::npos);
	CHECK(lines[1].find("293 KiB") != std::string::npos);
	CHECK(lines[1].find("1.25 ms") != std::string::npos);
	CHECK(lines[2].find("CLOSED") != std::string::npos);
	CHECK(lines[2].substr(0, 8) == "      - ");
	CHECK(lines[3].find("bad?[2Jname") != std::string::npos);
	CHECK(lines[3].find("\x1b") == std::string::npos);
	CHECK(lines[3].back() == '-'); /* no RTT for UDP */

	/* Every column starts where its heading does. */
	std::size_t remote = lines[0].find("REMOTE");
	for (std::size_t i = 1; i < lines.size(); ++i)
		CHECK(lines[i].find("127.0.0.1:2000") == (i == 1 ? std::string::npos : remote));
}

TEST_CASE("a narrow width shrinks the addresses first, then cuts lines")
{
	ConnectionRecord r = record(7, 0, 0, 0, 0, 1);
	r.local_addr = {192, 168, 100, 200};
	std::vector<std::string> wide = table_lines({&r}, 0);
	CHECK(wide[1].find("192.168.100.200:1000") != std::string::npos);

	std::vector<std::string> narrow = table_lines({&r}, wide[1].size() - 4);
	CHECK(narrow[1].size() == wide[1].size() - 4);
	CHECK(narrow[1].find(" +68.100.200:1000 ") != std::string::npos);

	std::vector<std::string> tiny = table_lines({&r}, 30);
	for (const std::string &line : tiny)
		CHECK(line.size() <= 30);
}

TEST_CASE("summary line: counts, totals, dropped, sort order")
{
	Snapshot snapshot;
	snapshot.connections = {record(1, 1024, 0, 0, 0, 1), record(2, 1024, 512, 0, 0, 2)};
	snapshot.connections[1].closed = true;
	snapshot.stats.events_dropped = 5;
	std::string line = summary_line(snapshot, SortKey::pid);
	CHECK(line.find("2 connections (1 closed)") != std::string::npos);
	CHECK(line.find("TX 2.00 KiB/s  RX 512 B/s") != std::string::npos);
	CHECK(line.find("dropped 5") != std::string::npos);
	CHECK(line.find("sort: pid") != std::string::npos);
	CHECK(line.find("untracked") == std::string::npos);
}
