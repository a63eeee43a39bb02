// SPDX-License-Identifier: MIT
// The exporter's series: sums that never go down, closed flows kept, the cap folding into "other", series aged out, label values.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "exporter_arguments.h"
#include "flow_aggregates.h"

using namespace tcptop;
using namespace tcptop::exporter;
using namespace std::chrono_literals;

namespace {

const auto start = FlowAggregates::Clock::time_point{} + 1h;

ConnectionRecord tcp_client(std::uint64_t cookie, std::uint8_t peer, std::uint64_t sent,
			    std::uint64_t received)
{
	ConnectionRecord record;
	record.comm = "curl";
	record.socket_cookie = cookie;
	record.role = Role::client;
	record.local_addr = {127, 0, 0, 1};
	record.local_port = static_cast<std::uint16_t>(40000 + cookie);
	record.remote_addr = {10, 0, 0, peer};
	record.remote_port = 443;
	record.bytes_sent = sent;
	record.bytes_received = received;
	record.packets_sent = sent / 100;
	record.srtt_us = 2000;
	return record;
}

Snapshot snapshot_of(std::vector<ConnectionRecord> records)
{
	Snapshot snapshot;
	snapshot.connections = std::move(records);
	return snapshot;
}

const SeriesTotals &only_series(const FlowAggregates &aggregates)
{
	REQUIRE(aggregates.series().size() == 1);
	return aggregates.series().begin()->second;
}

} // namespace

TEST_CASE("flow series: growth is summed, a closed flow's bytes stay, nothing goes down")
{
	FlowAggregates aggregates({FlowLabel::comm, FlowLabel::peer_address}, 100, 5min);
	aggregates.add(snapshot_of({tcp_client(1, 9, 1000, 50), tcp_client(2, 9, 300, 0)}), {}, start);
	CHECK(only_series(aggregates).counters.sent_bytes == 1300);
	CHECK(only_series(aggregates).counters.received_bytes == 50);
	CHECK(only_series(aggregates).counters.sent_packets == 13);
	CHECK(only_series(aggregates).srtt_connections == 2);
	CHECK(only_series(aggregates).srtt_seconds == doctest::Approx(0.002));

	ConnectionRecord closed = tcp_client(1, 9, 1500, 50);
	closed.closed = true;
	aggregates.add(snapshot_of({closed, tcp_client(2, 9, 400, 0)}), {}, start + 1s);
	CHECK(only_series(aggregates).counters.sent_bytes == 1900);
	CHECK(only_series(aggregates).srtt_connections == 1);

	/* Gone from the snapshots: its bytes stay in the sum. */
	aggregates.add(snapshot_of({tcp_client(2, 9, 400, 0)}), {}, start + 2s);
	CHECK(only_series(aggregates).counters.sent_bytes == 1900);
	const auto &[values, totals] = *aggregates.series().begin();
	CHECK(values == std::vector<std::string>{"curl", "10.0.0.9"});

	/* A flow the kernel started again (smaller totals) adds all it has. */
	ConnectionRecord restarted = tcp_client(2, 9, 100, 0);
	restarted.protocol = Protocol::tcp;
	aggregates.add(snapshot_of({restarted}), {}, start + 3s);
	CHECK(only_series(aggregates).counters.sent_bytes == 2000);
}

TEST_CASE("flow series: at the cap, new flows go into peer_address \"other\", counted once each")
{
	FlowAggregates aggregates({FlowLabel::comm, FlowLabel::peer_address, FlowLabel::direction}, 2,
				  5min);
	std::vector<ConnectionRecord> records;
	for (std::uint8_t peer = 1; peer <= 5; ++peer)
		records.push_back(tcp_client(peer, peer, 100, 0));
	aggregates.add(snapshot_of(records), {}, start);
	CHECK(aggregates.series().size() == 3);
	CHECK(aggregates.flows_folded() == 3);
	auto other = aggregates.series().find({"curl", "other", "client"});
	REQUIRE(other != aggregates.series().end());
	CHECK(other->second.counters.sent_bytes == 300);

	for (ConnectionRecord &record : records)
		record.bytes_sent = 200;
	aggregates.add(snapshot_of(records), {}, start + 1s);
	CHECK(aggregates.flows_folded() == 3);
	CHECK(aggregates.series().find({"curl", "other", "client"})->second.counters.sent_bytes == 600);
	std::uint64_t sum = 0;
	for (const auto &[values, totals] : aggregates.series())
		sum += totals.counters.sent_bytes;
	CHECK(sum == 1000);
}

TEST_CASE("flow series: a series without traffic for the TTL is removed, and comes back from 0")
{
	FlowAggregates aggregates({FlowLabel::peer_address}, 100, 10s);
	aggregates.add(snapshot_of({tcp_client(1, 1, 100, 0), tcp_client(2, 2, 100, 0)}), {}, start);
	aggregates.add(snapshot_of({tcp_client(1, 1, 100, 0), tcp_client(2, 2, 150, 0)}), {}, start + 8s);
	aggregates.add(snapshot_of({tcp_client(1, 1, 100, 0), tcp_client(2, 2, 150, 0)}), {}, start + 11s);
	REQUIRE(aggregates.series().size() == 1);
	CHECK(aggregates.series().begin()->first == std::vector<std::string>{"10.0.0.2"});

	aggregates.add(snapshot_of({tcp_client(1, 1, 130, 0), tcp_client(2, 2, 150, 0)}), {}, start + 12s);
	CHECK(aggregates.series().find({"10.0.0.1"})->second.counters.sent_bytes == 30);
}

TEST_CASE("flow labels: values, ephemeral ports left out, workloads by cgroup id")
{
	Workload web = workload_of_cgroup_path("/system.slice/web.service");
	cli::WorkloadOf workload_of = [&](std::uint64_t id) -> const Workload & {
		static const Workload unknown{};
		return id == 5 ? web : unknown;
	};
	FlowAggregates aggregates(default_flow_labels(), 100, 5min);
	ConnectionRecord client = tcp_client(1, 7, 10, 0);
	client.cgroup_id = 5;
	ConnectionRecord server = client;
	server.socket_cookie = 2;
	server.role = Role::server;
	server.local_port = 8080;
	server.remote_port = 51000;
	ConnectionRecord udp = client;
	udp.socket_cookie = 3;
	udp.protocol = Protocol::udp;
	udp.role = Role::unknown;
	udp.local_port = 53;
	udp.remote_port = 40001;
	aggregates.add(snapshot_of({client, server, udp}), workload_of, start);

	std::vector<std::vector<std::string>> keys;
	for (const auto &[values, totals] : aggregates.series())
		keys.push_back(values);
	/* comm, container, transport, family, peer_address, peer_port, local_port, direction */
	CHECK(keys == std::vector<std::vector<std::string>>{
			      {"curl", "web.service", "tcp", "ipv4", "10.0.0.7", "", "8080", "server"},
			      {"curl", "web.service", "tcp", "ipv4", "10.0.0.7", "443", "", "client"},
			      {"curl", "web.service", "udp", "ipv4", "10.0.0.7", "", "53", "unknown"},
		      });

	ConnectionRecord named = client;
	named.comm = std::string("a\x1b[31m\xff", 7);
	CHECK(label_values({FlowLabel::comm, FlowLabel::pid}, named, {}, {}) ==
	      std::vector<std::string>{"a?[31m?", ""});
}

TEST_CASE("flow labels: --labels names each label once")
{
	std::string error;
	auto labels = parse_flow_labels("peer_address,comm", error);
	REQUIRE(labels);
	CHECK(*labels == std::vector<FlowLabel>{FlowLabel::comm, FlowLabel::peer_address});
	for (const char *bad : {"", "comm,", ",comm", "comm,comm", "command", "comm,,pid"}) {
		INFO("list '" << bad << "'");
		CHECK_FALSE(parse_flow_labels(bad, error));
		CHECK_FALSE(error.empty());
	}
}

TEST_CASE("exporter arguments: defaults, each option, and a message naming each bad one")
{
	auto parse = [](std::vector<std::string> words) {
		words.insert(words.begin(), "tcptop-exporter");
		std::vector<char *> argv;
		for (std::string &word : words)
			argv.push_back(word.data());
		argv.push_back(nullptr);
		return parse_exporter_arguments(static_cast<int>(words.size()), argv.data());
	};
	ParsedExporterArguments defaults = parse({});
	REQUIRE(defaults.error.empty());
	CHECK(defaults.arguments.listen_address == "127.0.0.1:9465");
	CHECK(defaults.arguments.max_series == 10000);
	CHECK(defaults.arguments.series_ttl == 5min);
	CHECK(defaults.arguments.labels == default_flow_labels());

	ParsedExporterArguments chosen = parse({"--web.listen-address=[::1]:0", "--max-series", "7",
						"--series-ttl", "1.5m", "--labels=pid", "-i", "0.5"});
	REQUIRE(chosen.error.empty());
	CHECK(chosen.arguments.listen_address == "[::1]:0");
	CHECK(chosen.arguments.max_series == 7);
	CHECK(chosen.arguments.series_ttl == 90s);
	CHECK(chosen.arguments.labels == std::vector<FlowLabel>{FlowLabel::pid});
	CHECK(chosen.arguments.collector.interval == 500ms);

	const std::vector<std::vector<std::string>> bad = {
		{"--web.listen-address", "localhost:9465"}, {"--web.listen-address", "127.0.0.1"},
		{"--web.listen-address", "127.0.0.1:65536"}, {"--web.listen-address", "::1:80"},
		{"--max-series", "0"}, {"--max-series", "10000001"}, {"--max-series", "-1"},
		{"--series-ttl", "0"}, {"--series-ttl", "5d"}, {"--series-ttl", "1e300h"},
		{"--series-ttl", ""}, {"--labels", "pod"}, {"--interval", "x"}, {"--bogus"},
		{"--help=1"}, {"extra"}, {"--max-series"},
	};
	for (const auto &words : bad) {
		INFO("arguments " << words[0] << (words.size() > 1 ? " " + words[1] : ""));
		ParsedExporterArguments parsed = parse(words);
		CHECK_FALSE(parsed.error.empty());
		CHECK(parsed.error.find('\n') == std::string::npos);
	}
}
