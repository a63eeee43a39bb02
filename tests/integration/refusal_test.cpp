// SPDX-License-Identifier: MIT
// Programs the kernel refuses for real (TCPTOP_TEST_BREAK_PROGRAMS): the rest runs, exact, and the refusal is named.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "records.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;
using tcptop::Feature;
using tcptop::FeatureStatus;
using traffic::Child;

namespace {

/* The kernel refuses the named programs while this lives (see
 * lib/linux/skeleton_loader.h: they are loaded as socket filters). */
class BrokenPrograms
{
public:
	explicit BrokenPrograms(const char *names) { setenv("TCPTOP_TEST_BREAK_PROGRAMS", names, 1); }
	~BrokenPrograms() { unsetenv("TCPTOP_TEST_BREAK_PROGRAMS"); }
	BrokenPrograms(const BrokenPrograms &) = delete;
	BrokenPrograms &operator=(const BrokenPrograms &) = delete;
};

FeatureStatus status_of(const tcptop::NetworkCollector &collector, Feature feature)
{
	for (const FeatureStatus &status : collector.features())
		if (status.feature == feature)
			return status;
	FAIL("feature not reported: " << to_string(feature));
	return {};
}

bool contains(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

/* Both ends of a finished exchange carry exact bytes, before and after the close. */
void check_tcp_still_exact(Watcher &watcher)
{
	constexpr std::size_t request = 4321, reply = 8765;
	traffic::TcpExchange exchange =
		traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", request, reply);
	tcptop::Snapshot open = watcher.fresh_snapshot();
	std::vector<ConnectionRecord> records = by_port(open, tcptop::Protocol::tcp, exchange.port);
	REQUIRE(records.size() == 2);
	const ConnectionRecord *client = owned_by(records, exchange.client->pid());
	REQUIRE(client);
	CHECK(client->bytes_sent == request);
	CHECK(client->bytes_received == reply);
	const ConnectionRecord &server = &records[0] == client ? records[1] : records[0];
	CHECK(server.bytes_sent == reply);
	CHECK(server.bytes_received == request);

	std::uint64_t closing = wall_now_ns();
	exchange.client->proceed();
	exchange.server->proceed();
	REQUIRE(exchange.client->wait_exit() == 0);
	REQUIRE(exchange.server->wait_exit() == 0);
	tcptop::Snapshot closed =
		gather_closed(watcher, closing, tcptop::Protocol::tcp, exchange.port, 2);
	const ConnectionRecord *closed_client = owned_by(closed.connections, exchange.client->pid());
	const ConnectionRecord *closed_server = owned_by(closed.connections, exchange.server->pid());
	REQUIRE(closed_client);
	REQUIRE(closed_server);
	CHECK(closed_client->bytes_sent == request);
	CHECK(closed_server->bytes_received == request);
	CHECK(closed_server->bytes_sent == reply);
}

/* One datagram, counted exactly on both sockets. */
void check_udp_exact(Watcher &watcher)
{
	constexpr std::size_t size = 333;
	Child receiver("tt-refused-rcv", [](Child &self) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in address{};
		address.sin_family = AF_INET;
		address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
		self.report(traffic::bound_port(fd));
		char buffer[1024];
		self.report(static_cast<std::uint64_t>(recv(fd, buffer, sizeof(buffer), 0)));
		self.wait_proceed();
		return 0;
	});
	auto port = static_cast<std::uint16_t>(receiver.next_report());
	Child sender("tt-refused-snd", [port](Child &self) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to{};
		to.sin_family = AF_INET;
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		to.sin_port = htons(port);
		char payload[size] = {};
		sendto(fd, payload, size, 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
		self.report(1);
		self.wait_proceed();
		return 0;
	});
	sender.next_report();
	CHECK(receiver.next_report() == size);

	std::vector<ConnectionRecord> flows =
		by_port(watcher.fresh_snapshot(), tcptop::Protocol::udp, port);
	const ConnectionRecord *sent = owned_by(flows, sender.pid());
	const ConnectionRecord *received = owned_by(flows, receiver.pid());
	REQUIRE(sent);
	REQUIRE(received);
	CHECK(sent->bytes_sent == size);
	CHECK(sent->packets_sent == 1);
	CHECK(received->bytes_received == size);
	CHECK(received->packets_received == 1);
	sender.proceed();
	receiver.proceed();
}

} // namespace

TEST_CASE("the owner scan refused: socket_owners unavailable with the verifier's word, TCP exact" * doctest::test_suite("ebpf_only"))
{
	BrokenPrograms broken("socket_owner_scan");
	Watcher watcher(fast_options());

	FeatureStatus owners = status_of(watcher.collector(), Feature::socket_owners);
	CHECK_FALSE(owners.available);
	CHECK(contains(owners.note, "program socket_owner_scan (iter/task_file) refused by the kernel: "));
	for (Feature other : {Feature::tcp_counters, Feature::tcp_lifecycle, Feature::udp_counters})
		CHECK(status_of(watcher.collector(), other).available);
	check_tcp_still_exact(watcher);
}

TEST_CASE("a cgroup_skb program refused: UDP through the fallback or named unavailable, TCP exact" * doctest::test_suite("ebpf_only"))
{
	/* Where only fentry is allowed, the cgroup programs are never loaded. */
	if (std::getenv("TCPTOP_TEST_HOOK_KINDS"))
		return;
	BrokenPrograms broken("udp_egress");
	Watcher watcher(fast_options());

	FeatureStatus udp = status_of(watcher.collector(), Feature::udp_counters);
	const std::string refusal = "program udp_egress (cgroup_skb/egress) refused by the kernel: ";
	/* A socket filter reads the packet through its own context offsets. */
	const std::string verifier_word = "invalid bpf_context access";
	if (udp.available) {
		MESSAGE("UDP counted through " << udp.hooks);
		CHECK(udp.hooks.rfind("fentry/", 0) == 0);
		CHECK(contains(udp.note, "cgroup_skb not used: " + refusal + verifier_word));
		check_udp_exact(watcher);
	} else {
		MESSAGE("UDP unavailable: " << udp.note);
		CHECK(contains(udp.note, "cgroup_skb: " + refusal + verifier_word));
		CHECK(contains(udp.note, "; fentry: "));
	}
	check_tcp_still_exact(watcher);
}

TEST_CASE("nothing asked for can run: start fails, naming every refused program and its reason" * doctest::test_suite("ebpf_only"))
{
	BrokenPrograms broken("tcp_dump,tcp_state_change");
	tcptop::Options tcp_only = fast_options();
	tcp_only.protocols.udp = false;
	std::unique_ptr<tcptop::NetworkCollector> collector = tcptop::make_ebpf_collector(tcp_only);

	boost::asio::io_context io;
	tcptop::Diagnostics diagnostics;
	std::error_code code = collector->start(io.get_executor(), [](const tcptop::Snapshot &) {},
						diagnostics);
	CHECK(code == tcptop::Errc::kernel_unsupported);
	CHECK_FALSE(collector->running());
	const std::string &message = diagnostics.message;
	CHECK(contains(message, "nothing that was asked for can be collected on this kernel: "));
	CHECK(contains(message, "tcp_counters: program tcp_dump (iter/tcp) refused by the kernel: "));
	CHECK(contains(message, "tcp_lifecycle: program tcp_state_change (tp_btf/inet_sock_set_state) "
				"refused by the kernel: "));
	CHECK(message.find('\n') == std::string::npos);
}
