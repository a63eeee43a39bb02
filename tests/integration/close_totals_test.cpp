// SPDX-License-Identifier: MIT
// Final totals of connections closed with data still queued: close(), shutdown(), a reset.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "records.h"
#include "tcp_info.h"
#include "time_scale.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;
using traffic::Child;

namespace {

constexpr std::size_t ten_mib = 10 << 20;

enum class Ending {
	close,    ///< close() at once, the whole write still queued
	shutdown, ///< shutdown(SHUT_WR) at once, close() later
	reset,    ///< SO_LINGER 0: close() sends a reset, the queue is dropped
};

/* Room for the whole write, so that it returns with the data still queued. */
void make_room_for_write(int fd)
{
	int room = 2 * static_cast<int>(ten_mib);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &room, sizeof(room));
}

/* The payload the peer acknowledged, once nothing is in flight any more (the
 * reader stopped reading, so the window closes). The kernel's bytes_acked
 * counts this side's SYN too. */
std::uint64_t settled_acknowledged_payload(int fd)
{
	traffic::TcpInfo info;
	for (int tries = 0; tries < 500; ++tries) {
		info = traffic::tcp_info_of(fd);
		if (info.unacked_segments == 0 && tries > 10)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return info.bytes_acked - 1;
}

/*
 * A client writes 10 MiB and ends its side of the connection at once, while
 * the server does not read yet; then the server reads what reaches it. Each
 * side reports the number the records must carry: what the server read,
 * and for a reset what the client's kernel had acknowledged at the reset.
 */
void close_with_queued_data(Ending ending)
{
	Watcher watcher(fast_options());
	watcher.fresh_snapshot();

	Child server("tt-drain-srv", [](Child &self) {
		int listener = traffic::listen_on("127.0.0.1");
		self.report(traffic::bound_port(listener));
		int fd = accept(listener, nullptr, nullptr);
		self.wait_proceed();
		self.report(traffic::receive_until_end(fd));
		close(fd);
		return 0;
	});
	auto port = static_cast<std::uint16_t>(server.next_report());

	Child client("tt-drain-cli", [port, ending](Child &self) {
		int fd = traffic::connect_to("127.0.0.1", port);
		if (fd < 0)
			return 1;
		make_room_for_write(fd);
		if (!traffic::send_all(fd, ten_mib))
			return 1;
		switch (ending) {
		case Ending::close:
			close(fd);
			self.report(ten_mib);
			self.wait_proceed();
			break;
		case Ending::shutdown:
			shutdown(fd, SHUT_WR);
			self.report(ten_mib);
			self.wait_proceed();
			close(fd);
			break;
		case Ending::reset: {
			/* Ready; the reset comes when the test says, and what was
			 * acknowledged is read right before it. */
			self.report(1);
			self.wait_proceed();
			std::uint64_t acknowledged = settled_acknowledged_payload(fd);
			linger abort{1, 0};
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
			close(fd);
			self.report(acknowledged);
			self.wait_proceed();
			break;
		}
		}
		return 0;
	});
	std::uint64_t client_total = client.next_report();
	if (ending == Ending::reset) {
		/* The reset closes the receiver's socket in softirq, where no
		 * process is at hand: its owner, an accepting process, comes from
		 * the owner scan, so the reset waits for a snapshot that has it. */
		std::uint64_t deadline =
			wall_now_ns() + static_cast<std::uint64_t>(scaled(std::chrono::seconds(10)).count()) * 1'000'000ULL;
		bool owner_known = false;
		while (!owner_known && wall_now_ns() < deadline) {
			auto records = by_port(watcher.fresh_snapshot(), tcptop::Protocol::tcp, port);
			owner_known = owned_by(records, server.pid()) != nullptr;
		}
		REQUIRE(owner_known);
		client.proceed();
		client_total = client.next_report();
	}
	std::uint64_t closing = wall_now_ns();
	server.proceed();
	std::uint64_t server_read = server.next_report();
	client.proceed();
	REQUIRE(server.wait_exit() == 0);
	REQUIRE(client.wait_exit() == 0);

	if (ending == Ending::reset) {
		/* The reset dropped what was still queued: fewer bytes, and the
		 * same number on both sides. */
		CHECK(client_total < ten_mib);
		CHECK(server_read == client_total);
	} else {
		CHECK(server_read == ten_mib);
	}

	tcptop::Snapshot closed = wait_for_closed(watcher, closing, tcptop::Protocol::tcp, port, 2);
	std::vector<ConnectionRecord> records = by_port(closed, tcptop::Protocol::tcp, port);
	REQUIRE(records.size() == 2);
	const ConnectionRecord *sender = owned_by(records, client.pid());
	const ConnectionRecord *receiver = owned_by(records, server.pid());
	REQUIRE(sender);
	REQUIRE(receiver);
	CHECK(sender->comm == "tt-drain-cli");
	CHECK(receiver->comm == "tt-drain-srv");
	CHECK(sender->bytes_sent == client_total);
	CHECK(sender->bytes_received == 0);
	CHECK(receiver->bytes_received == server_read);
	CHECK(receiver->bytes_sent == 0);
}

} // namespace

TEST_CASE("10 MiB written, then close() at once: both ends' totals carry every byte" * doctest::test_suite("ebpf_only"))
{
	close_with_queued_data(Ending::close);
}

TEST_CASE("10 MiB written, then shutdown() at once: both ends' totals carry every byte" * doctest::test_suite("ebpf_only"))
{
	close_with_queued_data(Ending::shutdown);
}

TEST_CASE("10 MiB written, then a reset (SO_LINGER 0): totals up to the reset, equal on both ends" * doctest::test_suite("ebpf_only"))
{
	close_with_queued_data(Ending::reset);
}
