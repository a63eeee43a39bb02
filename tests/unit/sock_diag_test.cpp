// SPDX-License-Identifier: MIT
// The sock_diag collector's pure logic: payload and role from tcp_info, and the count of unseen connections.
#include <doctest/doctest.h>

#include "linux/sock_diag/tcp_payload.h"
#include "linux/sock_diag/unseen_connections.h"

using namespace tcptop;
using namespace tcptop::linux_impl;

namespace {

/* An established socket that sent \p sent bytes of payload once, all of
 * it acknowledged, and the SYN if it connected. */
DiagSocket idle_socket(std::uint64_t sent, bool connected)
{
	DiagSocket socket;
	socket.state = TcpState::established;
	socket.counts_sent = true;
	socket.bytes_sent = sent;
	socket.bytes_acked = sent + (connected ? 1 : 0);
	return socket;
}

} // namespace

TEST_CASE("idle: the payload is what was sent once, whatever the role")
{
	DiagSocket socket = idle_socket(1000, true);
	socket.bytes_sent += 300;
	socket.bytes_retrans = 300;
	CHECK(acknowledged_payload(socket, Role::client) == 1000);
	CHECK(acknowledged_payload(socket, Role::server) == 1000);
}

TEST_CASE("in flight: the payload is what was acknowledged, less the client's SYN")
{
	DiagSocket socket = idle_socket(1000, true);
	socket.bytes_sent = 5000;
	socket.unacked = 3;
	CHECK(acknowledged_payload(socket, Role::client) == 1000);
	socket.bytes_acked = 1000;
	CHECK(acknowledged_payload(socket, Role::server) == 1000);
	socket.bytes_acked = 0;
	CHECK(acknowledged_payload(socket, Role::client) == 0);
}

TEST_CASE("before Linux 4.19 (no bytes_sent) the payload comes from bytes_acked")
{
	DiagSocket socket = idle_socket(1000, true);
	socket.counts_sent = false;
	socket.bytes_sent = 0;
	CHECK(acknowledged_payload(socket, Role::client) == 1000);
	CHECK_FALSE(open_side(socket));
}

TEST_CASE("the received payload leaves out the peer's FIN once it came")
{
	DiagSocket socket = idle_socket(0, true);
	socket.bytes_received = 2041;
	for (TcpState state : {TcpState::close_wait, TcpState::last_ack, TcpState::closing}) {
		socket.state = state;
		CHECK(received_payload(socket) == 2040);
	}
	for (TcpState state : {TcpState::established, TcpState::fin_wait1, TcpState::fin_wait2}) {
		socket.state = state;
		CHECK(received_payload(socket) == 2041);
	}
	socket.state = TcpState::close_wait;
	socket.bytes_received = 0;
	CHECK(received_payload(socket) == 0);
}

TEST_CASE("the side that opened: a SYN counted, or none")
{
	CHECK(open_side(idle_socket(1000, true)) == Role::client);
	CHECK(open_side(idle_socket(1000, false)) == Role::server);
	CHECK(open_side(idle_socket(0, true)) == Role::client);

	DiagSocket closing = idle_socket(1000, false);
	closing.state = TcpState::fin_wait2;
	closing.bytes_acked += 1; /* its FIN */
	CHECK(open_side(closing) == Role::server);
	closing.bytes_acked += 1;
	CHECK(open_side(closing) == Role::client);
}

TEST_CASE("no side while anything is in flight or the counters disagree")
{
	DiagSocket busy = idle_socket(1000, true);
	busy.unacked = 1;
	CHECK_FALSE(open_side(busy));

	DiagSocket connecting = idle_socket(0, true);
	connecting.state = TcpState::syn_sent;
	CHECK_FALSE(open_side(connecting));

	DiagSocket behind = idle_socket(1000, false);
	behind.bytes_acked = 10; /* less than sent: never wraps around */
	CHECK_FALSE(open_side(behind));

	DiagSocket odd = idle_socket(1000, false);
	odd.bytes_acked += 5;
	CHECK_FALSE(open_side(odd));
}

TEST_CASE("TcpActiveOpens + TcpPassiveOpens from /proc/net/snmp")
{
	const char *snmp =
		"Ip: Forwarding DefaultTTL\n"
		"Ip: 1 64\n"
		"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails\n"
		"Tcp: 1 200 120000 -1 1234 567 8\n"
		"Udp: InDatagrams\n"
		"Udp: 42\n";
	CHECK(tcp_opens_in(snmp) == 1801);
	CHECK_FALSE(tcp_opens_in("Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 5\n"));
	CHECK_FALSE(tcp_opens_in("Tcp: ActiveOpens PassiveOpens\nTcp: 1 x\n"));
	CHECK_FALSE(tcp_opens_in("Tcp: ActiveOpens PassiveOpens\n"));
	CHECK_FALSE(tcp_opens_in("Tcp: ActiveOpens PassiveOpens\nTcp: 99999999999999999999999 1\n"));
	CHECK_FALSE(tcp_opens_in(""));
}

TEST_CASE("openings no dump saw are unseen; the first dump only starts the count")
{
	UnseenConnections unseen;
	CHECK_FALSE(unseen.counting(7));
	unseen.start(7, 100);
	CHECK(unseen.counting(7));
	unseen.counted(7, 110, 4);
	CHECK(unseen.total() == 6);
	unseen.counted(7, 110, 0);
	CHECK(unseen.total() == 6);
}

TEST_CASE("a socket the dump saw before the counters did is no loss later")
{
	UnseenConnections unseen;
	unseen.start(7, 100);
	/* Opened between the reading and the dump: seen, not yet counted. */
	unseen.counted(7, 100, 1);
	CHECK(unseen.total() == 0);
	/* Counted now, and not new any more. */
	unseen.counted(7, 101, 0);
	CHECK(unseen.total() == 0);
	/* The credit lasts one interval: it cannot hide what is lost later. */
	unseen.counted(7, 101, 5);
	unseen.counted(7, 101, 0);
	unseen.counted(7, 104, 0);
	CHECK(unseen.total() == 3);
}

TEST_CASE("namespaces forgotten, gone, or with counters reset start again")
{
	UnseenConnections unseen;
	unseen.start(7, 100);
	unseen.start(8, 50);
	unseen.forget(7);
	CHECK_FALSE(unseen.counting(7));
	unseen.counted(7, 200, 0);
	CHECK(unseen.total() == 0);

	unseen.keep_only({9});
	CHECK_FALSE(unseen.counting(8));

	unseen.start(9, 500);
	unseen.counted(9, 20, 0); /* a new namespace with the old one's inode */
	CHECK(unseen.total() == 0);
	unseen.counted(9, 22, 0);
	CHECK(unseen.total() == 2);
}
