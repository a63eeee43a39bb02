// SPDX-License-Identifier: MIT
// Connections that come and go faster than the collector looks: in namespaces that disappear mid-walk (snapshots go on, exact, each connection closed once), and within one interval (seen or counted unseen).
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "records.h"
#include "time_scale.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;
using tcptop::Snapshot;

namespace {

constexpr std::uint16_t port = 47311;

/* A namespace made with `ip netns add`, holding one exchange. */
struct Namespace {
	std::string name;
	std::size_t request = 0;
	std::size_t reply = 0;
	traffic::TcpExchange exchange;
};

bool ip_netns(const std::string &arguments)
{
	return std::system(("ip " + arguments + " 2>/dev/null").c_str()) == 0;
}

/* Closed records on the port, per socket cookie, from every snapshot. */
struct Closes {
	std::mutex mutex;
	std::map<std::uint64_t, std::vector<ConnectionRecord>> by_cookie;
	std::size_t snapshots = 0;

	void add(const Snapshot &snapshot)
	{
		std::lock_guard lock(mutex);
		++snapshots;
		for (const ConnectionRecord &record : by_port(snapshot, tcptop::Protocol::tcp, port))
			if (record.closed)
				by_cookie[record.socket_cookie].push_back(record);
	}
};

} // namespace

TEST_CASE("network namespaces deleted during walks: each of their connections closed once, the others exact")
{
	constexpr int namespaces = 12;
	std::vector<Namespace> spaces(namespaces);
	for (int i = 0; i < namespaces; ++i) {
		Namespace &space = spaces[i];
		space.name = "tcptop-churn-" + std::to_string(i);
		ip_netns("netns del " + space.name);
		REQUIRE(ip_netns("netns add " + space.name));
		REQUIRE(ip_netns("-n " + space.name + " link set lo up"));
		space.request = 1000 + 10 * i;
		space.reply = 2000 + 10 * i;
		space.exchange = traffic::run_tcp_exchange("127.0.0.1", "127.0.0.1", space.request,
							   space.reply, space.name, port);
	}

	Closes closes;
	tcptop::Options options;
	options.interval = scaled(std::chrono::milliseconds(50));
	options.protocols.udp = false;
	options.port = port;
	{
		Watcher watcher(options, [&](const Snapshot &snapshot) { closes.add(snapshot); });
		Snapshot before = watcher.fresh_snapshot();
		REQUIRE(by_port(before, tcptop::Protocol::tcp, port).size() == 2 * namespaces);

		/* Half the namespaces go, one every 20 ms, so that walks meet
		 * them half gone: the even ones lose their name first, while
		 * their processes still hold them; the odd ones lose their
		 * processes (SIGKILL, sockets open) first, then their name. */
		std::uint64_t churn_started = wall_now_ns();
		for (int i = 0; i < namespaces / 2; ++i) {
			Namespace &space = spaces[i];
			if (i % 2 == 0) {
				CHECK(ip_netns("netns del " + space.name));
				space.exchange.client->proceed();
				space.exchange.server->proceed();
				CHECK(space.exchange.client->wait_exit() == 0);
				CHECK(space.exchange.server->wait_exit() == 0);
			} else {
				kill(space.exchange.client->pid(), SIGKILL);
				kill(space.exchange.server->pid(), SIGKILL);
				/* Reaped: their sockets are closed. */
				space.exchange.client->wait_exit();
				space.exchange.server->wait_exit();
				CHECK(ip_netns("netns del " + space.name));
			}
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}

		/* Every connection of the namespaces gone is closed in some
		 * snapshot by now, and the others are still there. */
		Snapshot after = watcher.fresh_snapshot();
		for (int more = 0; more < 3; ++more)
			after = watcher.fresh_snapshot();
		std::lock_guard lock(closes.mutex);
		CHECK(closes.snapshots >= 4);
		CHECK(after.timestamp_ns > churn_started);
		for (int i = 0; i < namespaces; ++i) {
			const Namespace &space = spaces[i];
			INFO("namespace " << space.name);
			for (const auto &child : {space.exchange.client.get(), space.exchange.server.get()}) {
				bool is_client = child == space.exchange.client.get();
				std::uint64_t sent = is_client ? space.request : space.reply;
				std::uint64_t received = is_client ? space.reply : space.request;
				if (i < namespaces / 2) {
					/* Gone: closed once, with its final totals. */
					int closed_records = 0;
					for (const auto &[cookie, records] : closes.by_cookie) {
						for (const ConnectionRecord &record : records) {
							if (record.pid != static_cast<std::uint32_t>(child->pid()))
								continue;
							++closed_records;
							CHECK(record.bytes_sent == sent);
							CHECK(record.bytes_received == received);
						}
					}
					CHECK(closed_records == 1);
				} else {
					/* Still there: open, exact. */
					auto live = by_port(after, tcptop::Protocol::tcp, port);
					const ConnectionRecord *record = owned_by(live, child->pid());
					REQUIRE(record);
					CHECK_FALSE(record->closed);
					CHECK(record->bytes_sent == sent);
					CHECK(record->bytes_received == received);
				}
			}
		}
	}
	for (int i = namespaces / 2; i < namespaces; ++i)
		ip_netns("netns del " + spaces[i].name);
}

TEST_CASE("connections shorter than an interval: each is delivered closed or counted in connections_unseen")
{
	/* A namespace of their own: connections_unseen counts all of a
	 * namespace's openings. */
	const std::string name = "tcptop-unseen";
	ip_netns("netns del " + name);
	REQUIRE(ip_netns("netns add " + name));
	REQUIRE(ip_netns("-n " + name + " link set lo up"));
	constexpr int connections = 200;

	/* A process in it from the start: the collectors find namespaces
	 * through their processes, and count openings from their first visit. */
	traffic::Child holder("tt-unseen-hold", [](traffic::Child &self) {
		self.report(1);
		self.wait_proceed();
		return 0;
	}, name);
	REQUIRE(holder.next_report() == 1);

	tcptop::Options options;
	options.interval = scaled(std::chrono::milliseconds(500));
	options.protocols.udp = false;
	std::uint64_t closed = 0, unseen = 0;
	std::mutex mutex;
	{
		Watcher watcher(options, [&](const Snapshot &snapshot) {
			std::lock_guard lock(mutex);
			unseen += snapshot.stats.connections_unseen;
			for (const ConnectionRecord &record : by_port(snapshot, tcptop::Protocol::tcp, port))
				closed += record.closed;
		});
		watcher.fresh_snapshot();
		watcher.fresh_snapshot();
		traffic::Child burst("tt-unseen", [&](traffic::Child &) {
			int listener = traffic::listen_on("127.0.0.1", port);
			for (int i = 0; i < connections; ++i) {
				int client = traffic::connect_to("127.0.0.1", port);
				int server = accept(listener, nullptr, nullptr);
				if (client < 0 || server < 0)
					return 1;
				close(client);
				close(server);
			}
			return 0;
		}, name);
		REQUIRE(burst.wait_exit() == 0);
		for (int more = 0; more < 3; ++more)
			watcher.fresh_snapshot();
	}
	holder.proceed();
	CHECK(holder.wait_exit() == 0);
	CHECK(ip_netns("netns del " + name));
	std::lock_guard lock(mutex);
	MESSAGE(closed << " delivered closed, " << unseen << " unseen");
	CHECK(closed + unseen == 2 * connections);
}
