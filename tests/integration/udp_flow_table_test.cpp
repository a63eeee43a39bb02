// SPDX-License-Identifier: MIT
// One UDP socket answering more remotes than the kernel's flow table holds: exact flows, the rest counted.
#include <doctest/doctest.h>

#include <atomic>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "records.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;
using tcptop::Snapshot;
using traffic::Child;

namespace {

sockaddr_in loopback(std::uint16_t port)
{
	sockaddr_in address{};
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address.sin_port = htons(port);
	return address;
}

} // namespace

TEST_CASE("UDP: a server socket with more remotes than max_udp_flows counts what it cannot hold" * doctest::test_suite("ebpf_only"))
{
	constexpr std::size_t max_udp_flows = 50;
	constexpr std::size_t remotes = 120;
	constexpr std::size_t rounds = 3;
	constexpr std::size_t payload = 64;
	/* The socket's first remote is kept with the socket, the next
	 * max_udp_flows in the table; the datagrams of the rest find it full. */
	constexpr std::size_t held = 1 + max_udp_flows;
	constexpr std::uint64_t untracked = (remotes - held) * rounds;

	std::atomic<std::uint64_t> untracked_seen{0}, events_dropped{0};
	tcptop::EbpfOptions ebpf;
	ebpf.max_udp_flows = max_udp_flows;
	Watcher watcher(
		fast_options(),
		[&](const Snapshot &snapshot) {
			untracked_seen += snapshot.stats.udp_datagrams_untracked;
			events_dropped += snapshot.stats.events_dropped;
		},
		ebpf);

	Child server("tt-udp-server", [&](Child &self) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		int room = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room));
		sockaddr_in address = loopback(0);
		bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
		self.report(traffic::bound_port(fd));
		std::uint64_t received = 0;
		char buffer[256];
		for (std::size_t n = 0; n < remotes * rounds; ++n) {
			ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
			received += got > 0 ? static_cast<std::uint64_t>(got) : 0;
		}
		self.report(received);
		self.wait_proceed();
		return 0;
	});
	std::uint16_t port = static_cast<std::uint16_t>(server.next_report());

	Child clients("tt-udp-clients", [&](Child &self) {
		std::vector<int> sockets;
		for (std::size_t i = 0; i < remotes; ++i)
			sockets.push_back(socket(AF_INET, SOCK_DGRAM, 0));
		sockaddr_in to = loopback(port);
		char data[payload] = {};
		/* Round by round, so the remotes reach the server in the same
		 * order every round: the first ones seen are the ones held. */
		for (std::size_t round = 0; round < rounds; ++round)
			for (int fd : sockets)
				sendto(fd, data, sizeof(data), 0, reinterpret_cast<sockaddr *>(&to),
				       sizeof(to));
		self.report(1);
		self.wait_proceed();
		return 0;
	});
	clients.next_report();
	REQUIRE(server.next_report() == remotes * rounds * payload);

	Snapshot snapshot = watcher.fresh_snapshot();
	std::vector<ConnectionRecord> flows = by_port(snapshot, tcptop::Protocol::udp, port);
	std::size_t client_flows = 0, server_flows = 0;
	for (const ConnectionRecord &flow : flows) {
		if (flow.pid == static_cast<std::uint32_t>(clients.pid())) {
			++client_flows;
			CHECK(flow.bytes_sent == rounds * payload);
		} else if (flow.pid == static_cast<std::uint32_t>(server.pid())) {
			++server_flows;
			CHECK(flow.bytes_received == rounds * payload);
			CHECK(flow.packets_received == rounds);
		}
	}
	/* Each client socket has one remote, kept with the socket: all exact. */
	CHECK(client_flows == remotes);
	CHECK(server_flows == held);
	CHECK(untracked_seen.load() == untracked);
	CHECK(events_dropped.load() == 0);

	clients.proceed();
	server.proceed();
	CHECK(clients.wait_exit() == 0);
	CHECK(server.wait_exit() == 0);
}
