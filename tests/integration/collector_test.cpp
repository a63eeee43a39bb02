// SPDX-License-Identifier: MIT
// The eBPF collector against the real kernel: real sockets, exact byte counts.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "records.h"
#include "time_scale.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;
using tcptop::Options;
using tcptop::Snapshot;
using traffic::Child;

namespace {

constexpr std::size_t request_bytes = 1'000'000;
constexpr std::size_t reply_bytes = 12'345;

/* Checks both ends of a finished run_tcp_exchange(), open or closed. */
void check_exchange(const Snapshot &snapshot, const traffic::TcpExchange &exchange,
		    tcptop::AddressFamily family, const std::string &address, bool closed,
		    bool roles_known = true)
{
	std::vector<ConnectionRecord> records = by_port(snapshot, tcptop::Protocol::tcp, exchange.port);
	REQUIRE(records.size() == 2);

	const ConnectionRecord *client = owned_by(records, exchange.client->pid());
	const ConnectionRecord *server = owned_by(records, exchange.server->pid());
	REQUIRE(client);
	REQUIRE(server);

	CHECK(client->comm == "tt-client");
	CHECK(client->role == (roles_known ? tcptop::Role::client : tcptop::Role::unknown));
	CHECK(client->bytes_sent == request_bytes);
	CHECK(client->bytes_received == reply_bytes);
	CHECK(client->remote_port == exchange.port);

	CHECK(server->comm == "tt-server");
	CHECK(server->role == (roles_known ? tcptop::Role::server : tcptop::Role::unknown));
	CHECK(server->bytes_sent == reply_bytes);
	CHECK(server->bytes_received == request_bytes);
	CHECK(server->local_port == exchange.port);

	CHECK(client->socket_cookie != 0);
	CHECK(server->socket_cookie != 0);
	CHECK(client->socket_cookie != server->socket_cookie);

	for (const ConnectionRecord *record : {client, server}) {
		CHECK(record->family == family);
		CHECK(tcptop::format_address(record->family, record->local_addr) == address);
		CHECK(tcptop::format_address(record->family, record->remote_addr) == address);
		CHECK(record->closed == closed);
		CHECK(record->state == (closed ? tcptop::TcpState::close : tcptop::TcpState::established));
		CHECK(record->packets_sent > 0);
		CHECK(record->packets_received > 0);
		CHECK(record->netns != 0);
		CHECK(record->cgroup_id != 0);
		CHECK(record->start_time_ns > 0);
		CHECK(record->start_time_ns <= snapshot.timestamp_ns);
		CHECK((record->close_time_ns != 0) == closed);
	}
}

/* pid -> socket cookie of the TCP records on \p port. */
std::map<std::uint32_t, std::uint64_t> cookies_by_pid(const Snapshot &snapshot, std::uint16_t port)
{
	std::map<std::uint32_t, std::uint64_t> cookies;
	for (const ConnectionRecord &record : by_port(snapshot, tcptop::Protocol::tcp, port))
		cookies[record.pid] = record.socket_cookie;
	return cookies;
}

void exchange_while_watching(const std::string &listen_address, const std::string &connect_address,
			     tcptop::AddressFamily family, const std::string &reported_address)
{
	Watcher watcher(fast_options());
	watcher.fresh_snapshot();

	traffic::TcpExchange exchange =
		traffic::run_tcp_exchange(listen_address, connect_address, request_bytes, reply_bytes);
	Snapshot open = watcher.fresh_snapshot();
	check_exchange(open, exchange, family, reported_address, false);

	std::uint64_t closing = wall_now_ns();
	exchange.client->proceed();
	exchange.server->proceed();
	CHECK(exchange.client->wait_exit() == 0);
	CHECK(exchange.server->wait_exit() == 0);
	Snapshot closed = gather_closed(watcher, closing, tcptop::Protocol::tcp, exchange.port, 2);
	check_exchange(closed, exchange, family, reported_address, true);
	/* The walk (iter/tcp) and the close (the state-change hook) name each
	 * socket by the same cookie. */
	CHECK(cookies_by_pid(closed, exchange.port) == cookies_by_pid(open, exchange.port));

	/* Reported closed once; then gone. */
	std::optional<Snapshot> later = watcher.snapshot_after(closed.timestamp_ns);
	REQUIRE(later);
	CHECK(by_port(*later, tcptop::Protocol::tcp, exchange.port).empty());
}

std::uint32_t netns_inode(const std::string &path)
{
	struct stat info{};
	REQUIRE(stat(path.c_str(), &info) == 0);
	return static_cast<std::uint32_t>(info.st_ino);
}

} // namespace

TEST_CASE("TCP over 127.0.0.1: both ends exact, with pid, comm and role")
{
	exchange_while_watching("127.0.0.1", "127.0.0.1", tcptop::AddressFamily::ipv4, "127.0.0.1");
}

TEST_CASE("TCP over [::1]")
{
	exchange_while_watching("::1", "::1", tcptop::AddressFamily::ipv6, "::1");
}

TEST_CASE("TCP to a server bound to :: over IPv4 reports IPv4 on both ends")
{
	exchange_while_watching("::", "127.0.0.1", tcptop::AddressFamily::ipv4, "127.0.0.1");
}

TEST_CASE("UDP: an unconnected socket sending to three receivers makes three flows" * doctest::test_suite("ebpf_only"))
{
	Watcher watcher(fast_options());
	const std::size_t sizes[] = {100, 200, 300};
	std::vector<std::unique_ptr<Child>> receivers;
	std::vector<std::uint16_t> ports;

	for (std::size_t size : sizes) {
		receivers.push_back(std::make_unique<Child>("tt-udp-recv", [size](Child &self) {
			int fd = socket(AF_INET, SOCK_DGRAM, 0);
			sockaddr_in address{};
			address.sin_family = AF_INET;
			address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
			socklen_t length = sizeof(address);
			getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
			self.report(ntohs(address.sin_port));
			char buffer[2048];
			ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
			self.report(static_cast<std::uint64_t>(got));
			self.wait_proceed();
			return 0;
		}));
		ports.push_back(static_cast<std::uint16_t>(receivers.back()->next_report()));
	}

	Child sender("tt-udp-send", [&](Child &self) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		char payload[300] = {};
		for (std::size_t i = 0; i < 3; ++i) {
			sockaddr_in to{};
			to.sin_family = AF_INET;
			to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			to.sin_port = htons(ports[i]);
			sendto(fd, payload, sizes[i], 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
		}
		self.report(1);
		self.wait_proceed();
		return 0;
	});
	sender.next_report();
	for (std::size_t i = 0; i < 3; ++i)
		CHECK(receivers[i]->next_report() == sizes[i]);

	Snapshot snapshot = watcher.fresh_snapshot();
	for (std::size_t i = 0; i < 3; ++i) {
		CAPTURE(ports[i]);
		std::vector<ConnectionRecord> flows = by_port(snapshot, tcptop::Protocol::udp, ports[i]);
		REQUIRE(flows.size() == 2);
		const ConnectionRecord *sent = owned_by(flows, sender.pid());
		const ConnectionRecord *received = owned_by(flows, receivers[i]->pid());
		REQUIRE(sent);
		REQUIRE(received);
		CHECK(sent->comm == "tt-udp-send");
		CHECK(sent->remote_port == ports[i]);
		CHECK(sent->bytes_sent == sizes[i]);
		CHECK(sent->packets_sent == 1);
		CHECK(sent->bytes_received == 0);
		CHECK(sent->state == tcptop::TcpState::none);
		CHECK(received->comm == "tt-udp-recv");
		CHECK(received->local_port == ports[i]);
		CHECK(received->bytes_received == sizes[i]);
		CHECK(received->packets_received == 1);
		CHECK(received->bytes_sent == 0);
		CHECK(received->netns != 0);
	}

	/* Closing the sender closes its three flows, with their totals. */
	sender.proceed();
	CHECK(sender.wait_exit() == 0);
	std::optional<Snapshot> after = watcher.snapshot_after(wall_now_ns());
	REQUIRE(after);
	std::vector<ConnectionRecord> closed = select(*after, [&](const ConnectionRecord &r) {
		return r.pid == static_cast<std::uint32_t>(sender.pid());
	});
	REQUIRE(closed.size() == 3);
	for (const ConnectionRecord &flow : closed) {
		CHECK(flow.closed);
		CHECK(flow.close_time_ns != 0);
	}
	for (auto &receiver : receivers)
		receiver->proceed();
}

TEST_CASE("UDP: two threads sending on one connected IPv6 socket opened before the start" * doctest::test_suite("ebpf_only"))
{
	constexpr int datagrams_per_thread = 2000;
	/* Sizes vary so that a lost or doubled datagram shows in the bytes. */
	auto size_of = [](int i) { return static_cast<std::size_t>(1 + i % 97); };
	std::uint64_t bytes_per_thread = 0;
	for (int i = 0; i < datagrams_per_thread; ++i)
		bytes_per_thread += size_of(i);
	constexpr std::uint64_t all_datagrams = 2 * datagrams_per_thread;
	const std::uint64_t all_bytes = 2 * bytes_per_thread;

	Child receiver("tt-udp6-recv", [&](Child &self) {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		/* Room for every datagram: none may be dropped at the socket. */
		int room = 32 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room));
		sockaddr_in6 address{};
		address.sin6_family = AF_INET6;
		address.sin6_addr = in6addr_loopback;
		bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
		socklen_t length = sizeof(address);
		getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
		self.report(ntohs(address.sin6_port));
		std::uint64_t received = 0;
		char buffer[128];
		for (std::uint64_t n = 0; n < all_datagrams; ++n) {
			ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
			received += got > 0 ? static_cast<std::uint64_t>(got) : 0;
		}
		self.report(received);
		self.wait_proceed();
		return 0;
	});
	std::uint16_t port = static_cast<std::uint16_t>(receiver.next_report());

	Child sender("tt-udp6-send", [&](Child &self) {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		sockaddr_in6 to{};
		to.sin6_family = AF_INET6;
		to.sin6_addr = in6addr_loopback;
		to.sin6_port = htons(port);
		connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof(to));
		self.report(1);
		self.wait_proceed();
		auto send_share = [&] {
			char payload[128] = {};
			for (int i = 0; i < datagrams_per_thread; ++i)
				send(fd, payload, size_of(i), 0);
		};
		std::thread other(send_share);
		send_share();
		other.join();
		self.report(1);
		self.wait_proceed();
		return 0;
	});
	sender.next_report();

	/* Both sockets exist before the collector starts. */
	Watcher watcher(fast_options());
	sender.proceed();
	sender.next_report();
	CHECK(receiver.next_report() == all_bytes);

	Snapshot snapshot = watcher.fresh_snapshot();
	std::vector<ConnectionRecord> flows = by_port(snapshot, tcptop::Protocol::udp, port);
	const ConnectionRecord *sent = owned_by(flows, sender.pid());
	const ConnectionRecord *received = owned_by(flows, receiver.pid());
	REQUIRE(sent);
	REQUIRE(received);
	CHECK(sent->family == tcptop::AddressFamily::ipv6);
	CHECK(format_address(sent->family, sent->remote_addr) == "::1");
	CHECK(sent->bytes_sent == all_bytes);
	CHECK(sent->packets_sent == all_datagrams);
	CHECK(received->bytes_received == all_bytes);
	CHECK(received->packets_received == all_datagrams);
	CHECK(received->remote_port == sent->local_port);
	CHECK(snapshot.stats.events_dropped == 0);

	sender.proceed();
	receiver.proceed();
	CHECK(sender.wait_exit() == 0);
	CHECK(receiver.wait_exit() == 0);
}

TEST_CASE("a connection opened before the collector started appears with its totals")
{
	traffic::TcpExchange exchange =
		traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", request_bytes, reply_bytes);
	Watcher watcher(fast_options());
	/* The eBPF collector cannot know their roles: it saw no opening. */
	check_exchange(watcher.fresh_snapshot(), exchange, tcptop::AddressFamily::ipv4, "127.0.0.1",
		       false, test_collector_tells_earlier_roles());
	exchange.client->proceed();
	exchange.server->proceed();
}

TEST_CASE("2,000 short connections within one interval all appear, closed and exact" * doctest::test_suite("ebpf_only"))
{
	constexpr int connections = 2000;
	constexpr std::size_t each_way = 100;
	Options options;
	/* One interval holds the whole burst on most machines; where it does
	 * not (an emulated kernel), the snapshots that cover it are read. */
	options.interval = scaled(std::chrono::seconds(3));

	Child server("tt-burst-srv", [&](Child &self) {
		int listener = traffic::listen_on("127.0.0.1");
		self.report(traffic::bound_port(listener));
		for (int i = 0; i < connections; ++i) {
			int fd = accept(listener, nullptr, nullptr);
			if (fd < 0 || !traffic::receive_exactly(fd, each_way) ||
			    !traffic::send_all(fd, each_way))
				return 1;
			close(fd);
		}
		return 0;
	});
	auto port = static_cast<std::uint16_t>(server.next_report());
	options.port = port;
	Watcher watcher(options);
	Snapshot before = watcher.fresh_snapshot();

	Child client("tt-burst-cli", [&](Child &self) {
		for (int i = 0; i < connections; ++i) {
			int fd = traffic::connect_to("127.0.0.1", port);
			if (fd < 0 || !traffic::send_all(fd, each_way) ||
			    !traffic::receive_exactly(fd, each_way))
				return 1;
			close(fd);
		}
		self.report(1);
		return 0;
	});
	auto burst_start = std::chrono::steady_clock::now();
	client.next_report(60000);
	auto burst = std::chrono::steady_clock::now() - burst_start;
	REQUIRE(client.wait_exit() == 0);
	REQUIRE(server.wait_exit() == 0);
	std::uint64_t burst_end = wall_now_ns();

	/* Each connection closed once, exact; none lost, none twice. */
	std::map<std::uint64_t, ConnectionRecord> closed;
	std::map<std::string, int> exact_closed;
	std::uint64_t dropped = 0, evicted = 0;
	int snapshots = 0;
	for (std::uint64_t since = before.timestamp_ns; since <= burst_end; ++snapshots) {
		std::optional<Snapshot> snapshot = watcher.snapshot_after(since);
		REQUIRE(snapshot);
		since = snapshot->timestamp_ns;
		dropped += snapshot->stats.events_dropped;
		evicted += snapshot->stats.connections_evicted;
		for (const ConnectionRecord &record : by_port(*snapshot, tcptop::Protocol::tcp, port)) {
			/* Only the burst's own: a socket of an earlier test that
			 * had this port number may close during the burst. */
			bool ours = record.pid == static_cast<std::uint32_t>(client.pid()) ||
				    record.pid == static_cast<std::uint32_t>(server.pid());
			if (!record.closed || !ours)
				continue;
			CHECK(closed.emplace(record.socket_cookie, record).second);
			if (record.bytes_sent == each_way && record.bytes_received == each_way)
				++exact_closed[record.comm];
		}
	}
	MESSAGE("burst took " << std::chrono::duration_cast<std::chrono::milliseconds>(burst).count()
			      << " ms, read from " << snapshots << " snapshot(s)");
	CHECK(exact_closed["tt-burst-cli"] == connections);
	CHECK(exact_closed["tt-burst-srv"] == connections);
	CHECK(closed.size() == 2 * connections);
	CHECK(dropped == 0);
	CHECK(evicted == 0);
}

TEST_CASE("the same addresses in two network namespaces are two connections")
{
	const std::string names[] = {"tcptop-test-a", "tcptop-test-b"};
	for (const std::string &name : names) {
		std::system(("ip netns del " + name + " 2>/dev/null").c_str());
		REQUIRE(std::system(("ip netns add " + name).c_str()) == 0);
		REQUIRE(std::system(("ip -n " + name + " link set lo up").c_str()) == 0);
	}
	constexpr std::uint16_t port = 47123;

	{
		Watcher watcher(fast_options());
		auto a = traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", 1000, 2000, names[0], port);
		auto b = traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", 3000, 4000, names[1], port);

		Snapshot snapshot = watcher.fresh_snapshot();
		std::vector<ConnectionRecord> records = by_port(snapshot, tcptop::Protocol::tcp, port);
		REQUIRE(records.size() == 4);
		std::uint32_t netns_a = netns_inode("/var/run/netns/" + names[0]);
		std::uint32_t netns_b = netns_inode("/var/run/netns/" + names[1]);
		CHECK(netns_a != netns_b);
		const ConnectionRecord *client_a = owned_by(records, a.client->pid());
		const ConnectionRecord *client_b = owned_by(records, b.client->pid());
		const ConnectionRecord *server_a = owned_by(records, a.server->pid());
		const ConnectionRecord *server_b = owned_by(records, b.server->pid());
		REQUIRE((client_a && client_b && server_a && server_b));
		CHECK(client_a->netns == netns_a);
		CHECK(server_a->netns == netns_a);
		CHECK(client_b->netns == netns_b);
		CHECK(server_b->netns == netns_b);
		CHECK(client_a->bytes_sent == 1000);
		CHECK(client_b->bytes_sent == 3000);
		for (auto *exchange : {&a, &b}) {
			exchange->client->proceed();
			exchange->server->proceed();
		}
	}
	for (const std::string &name : names)
		std::system(("ip netns del " + name).c_str());
}

TEST_CASE("RTT is measured, and rates match the bytes moved in the interval")
{
	Options options;
	options.interval = scaled(std::chrono::seconds(1));
	Watcher watcher(options);
	constexpr std::size_t burst = 4'000'000;

	Child server("tt-rate-srv", [&](Child &self) {
		int listener = traffic::listen_on("127.0.0.1");
		self.report(traffic::bound_port(listener));
		int fd = accept(listener, nullptr, nullptr);
		self.wait_proceed();
		return traffic::receive_exactly(fd, burst) ? 0 : 1;
	});
	auto port = static_cast<std::uint16_t>(server.next_report());
	Child client("tt-rate-cli", [&](Child &self) {
		int fd = traffic::connect_to("127.0.0.1", port);
		self.report(1);
		self.wait_proceed();
		if (!traffic::send_all(fd, burst))
			return 1;
		self.report(1);
		self.wait_proceed();
		return 0;
	});
	client.next_report();

	/* Move the burst right after a snapshot, so that it falls in one interval. */
	Snapshot before = watcher.fresh_snapshot();
	server.proceed();
	client.proceed();
	client.next_report();
	REQUIRE(server.wait_exit() == 0);
	Snapshot during = *watcher.snapshot_after(before.timestamp_ns);

	std::vector<ConnectionRecord> records = select(during, [&](const ConnectionRecord &r) {
		return r.pid == static_cast<std::uint32_t>(client.pid()) && r.remote_port == port;
	});
	REQUIRE(records.size() == 1);
	const ConnectionRecord &sender = records[0];
	CHECK(sender.bytes_sent == burst);
	CHECK(sender.srtt_us > 0);
	double moved = sender.bytes_sent_per_sec * static_cast<double>(during.interval_ns) / 1e9;
	CHECK(moved == doctest::Approx(static_cast<double>(burst)).epsilon(0.10));
	double expected_rate = static_cast<double>(burst) * 1e9 / static_cast<double>(during.interval_ns);
	CHECK(sender.bytes_sent_per_sec == doctest::Approx(expected_rate).epsilon(0.10));
	client.proceed();
}

TEST_CASE("a half-closed connection: the peer's FIN is no payload")
{
	constexpr std::size_t sent = 3000;
	int listener = traffic::listen_on("127.0.0.1");
	std::uint16_t port = traffic::bound_port(listener);
	int client = traffic::connect_to("127.0.0.1", port);
	int server = accept(listener, nullptr, nullptr);
	REQUIRE(client >= 0);
	REQUIRE(server >= 0);
	REQUIRE(traffic::send_all(client, sent));
	shutdown(client, SHUT_WR);
	/* The server has read it all and the FIN: CLOSE_WAIT; the client
	 * waits in FIN_WAIT2. */
	REQUIRE(traffic::receive_until_end(server) == sent);

	Watcher watcher(fast_options());
	Snapshot snapshot = watcher.fresh_snapshot();
	std::vector<ConnectionRecord> records = by_port(snapshot, tcptop::Protocol::tcp, port);
	REQUIRE(records.size() == 2);
	for (const ConnectionRecord &record : records) {
		bool is_server = record.local_port == port;
		INFO((is_server ? "server" : "client"));
		CHECK(record.state == (is_server ? tcptop::TcpState::close_wait : tcptop::TcpState::fin_wait2));
		CHECK(record.bytes_sent == (is_server ? 0 : sent));
		CHECK(record.bytes_received == (is_server ? sent : 0));
	}
	close(client);
	close(server);
	close(listener);
}

TEST_CASE("sockets that are only bound, or listening, are no connections")
{
	/* From Linux 6.7 inet_diag can list bound sockets (BOUND_INACTIVE)
	 * when asked for every state. */
	int bound = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(bound >= 0);
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(bound, reinterpret_cast<sockaddr *>(&address), sizeof(address)) == 0);
	std::uint16_t bound_only = traffic::bound_port(bound);
	int listener = traffic::listen_on("127.0.0.1");
	std::uint16_t listening = traffic::bound_port(listener);

	Watcher watcher(fast_options());
	Snapshot snapshot = watcher.fresh_snapshot();
	CHECK(by_port(snapshot, tcptop::Protocol::tcp, bound_only).empty());
	CHECK(by_port(snapshot, tcptop::Protocol::tcp, listening).empty());
	close(bound);
	close(listener);
}

TEST_CASE("pid and port filters return only what they name")
{
	traffic::TcpExchange first =
		traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", 500, 600);
	traffic::TcpExchange second =
		traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", 700, 800);

	Options by_pid = fast_options();
	by_pid.pid = static_cast<std::uint32_t>(first.client->pid());
	{
		Watcher watcher(by_pid);
		Snapshot snapshot = watcher.fresh_snapshot();
		REQUIRE_FALSE(snapshot.connections.empty());
		for (const ConnectionRecord &record : snapshot.connections)
			CHECK(record.pid == by_pid.pid);
		CHECK(by_port(snapshot, tcptop::Protocol::tcp, first.port).size() == 1);
	}

	Options by_port_only = fast_options();
	by_port_only.port = second.port;
	{
		Watcher watcher(by_port_only);
		Snapshot snapshot = watcher.fresh_snapshot();
		REQUIRE(snapshot.connections.size() == 2);
		for (const ConnectionRecord &record : snapshot.connections)
			CHECK((record.local_port == second.port || record.remote_port == second.port));
	}
	for (auto *exchange : {&first, &second}) {
		exchange->client->proceed();
		exchange->server->proceed();
	}
}

TEST_CASE("a slow handler does not stall collection: snapshots are coalesced, nothing lost" * doctest::test_suite("ebpf_only"))
{
	Options options = fast_options();
	std::atomic<int> calls{0};
	Watcher watcher(options, [&](const Snapshot &) {
		if (calls++ == 0)
			std::this_thread::sleep_for(std::chrono::milliseconds(1500));
	});

	/* While the handler sleeps, a connection opens and closes. */
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	traffic::TcpExchange exchange =
		traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", 5000, 6000);
	exchange.client->proceed();
	exchange.server->proceed();
	REQUIRE(exchange.client->wait_exit() == 0);
	REQUIRE(exchange.server->wait_exit() == 0);

	std::uint64_t coalesced = 0;
	int closed_seen = 0;
	std::uint64_t deadline =
		wall_now_ns() + static_cast<std::uint64_t>(scaled(std::chrono::seconds(5)).count()) * 1'000'000ULL;
	while (wall_now_ns() < deadline && (closed_seen < 2 || coalesced == 0)) {
		std::optional<Snapshot> snapshot = watcher.snapshot_after(0, 3000);
		if (!snapshot)
			break;
		coalesced += snapshot->stats.snapshots_coalesced;
		for (const ConnectionRecord &record :
		     by_port(*snapshot, tcptop::Protocol::tcp, exchange.port)) {
			if (record.closed) {
				++closed_seen;
				CHECK(record.bytes_sent + record.bytes_received == 11000);
			}
		}
	}
	CHECK(coalesced > 0);
	CHECK(closed_seen == 2);
}
