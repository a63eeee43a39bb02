// SPDX-License-Identifier: MIT
// Lifecycle: collectors made, started, stopped and destroyed over and over, through the C++ API and the C ABI, some stopped while their callback runs; then nothing of them is left.
//
// Run in the TSan build (scripts/dev.sh test) with every cycle, where a
// data race anywhere on these paths fails the run.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <tcptop/tcptop.h>
#include <tcptop/tcptop.hpp>

#include "process_resources.h"

using namespace std::chrono_literals;

namespace {

constexpr auto interval = 10ms;

/* Cycles in all, half through each API: TCPTOP_LIFECYCLE_CYCLES, or 1000. */
int cycles_per_api()
{
	const char *cycles = std::getenv("TCPTOP_LIFECYCLE_CYCLES");
	return (cycles ? std::atoi(cycles) : 1000) / 2;
}

/* One cycle in ten races stop against a running callback; one in fifty
 * counts UDP too, which attaches to the cgroup root. */
bool racing(int cycle)
{
	return cycle % 10 == 0;
}

bool with_udp(int cycle)
{
	return cycle % 50 == 25;
}

/* A callback that, once, stays running while the test stops its collector,
 * and counts any call that comes after stop returned. */
struct StopRace {
	std::atomic<bool> entered = false;
	std::atomic<bool> stop_returned = false;
	std::atomic<int> late_calls = 0;

	void on_callback()
	{
		if (stop_returned)
			++late_calls;
		if (!entered.exchange(true))
			std::this_thread::sleep_for(3ms);
	}

	bool wait_entered()
	{
		auto deadline = std::chrono::steady_clock::now() + 10s;
		while (!entered && std::chrono::steady_clock::now() < deadline)
			std::this_thread::sleep_for(100us);
		return entered;
	}
};

void check_back_to(const ProcessResources &baseline)
{
	/* The kernel lets go of a detached tracing program, and the maps it
	 * uses, after an RCU grace period: the last collector's linger a
	 * moment after its fds are closed. */
	std::vector<std::string> grown = baseline.grown_in(ProcessResources::now());
	auto deadline = std::chrono::steady_clock::now() + 10s;
	while (!grown.empty() && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(50ms);
		grown = baseline.grown_in(ProcessResources::now());
	}
	for (const std::string &what : grown)
		MESSAGE(what);
	CHECK(grown.empty());
}

} // namespace

TEST_CASE("C++ API: make, start, stop, destroy; a tenth stopped while the handler runs")
{
	boost::asio::io_context io;
	auto work = boost::asio::make_work_guard(io);
	std::thread io_thread([&] { io.run(); });
	const ProcessResources baseline = ProcessResources::now();

	const int cycles = cycles_per_api();
	int raced = 0;
	for (int cycle = 0; cycle < cycles; ++cycle) {
		tcptop::Options options;
		options.interval = interval;
		options.protocols.udp = with_udp(cycle);
		/* Before the collector: a failed REQUIRE destroys the collector,
		 * which waits for its handler, first. */
		StopRace race;
		auto collector = tcptop::make_ebpf_collector(options);
		tcptop::Diagnostics diagnostics;
		std::error_code code = collector->start(
			io.get_executor(), [&](const tcptop::Snapshot &) { race.on_callback(); },
			diagnostics);
		REQUIRE_MESSAGE(!code, diagnostics.message);
		if (racing(cycle)) {
			REQUIRE(race.wait_entered());
			++raced;
		}
		collector->stop();
		race.stop_returned = true;
		CHECK_FALSE(collector->running());
		if (racing(cycle)) {
			/* Long enough for a late handler to show. */
			std::this_thread::sleep_for(2 * interval);
			CHECK(race.late_calls == 0);
		}
	}
	MESSAGE(cycles << " cycles, " << raced << " stopped while the handler ran");
	work.reset();
	io_thread.join();
	check_back_to(baseline);
}

TEST_CASE("C ABI: create, start, stop, destroy in push and pull mode; a tenth stopped while the callback runs, a tenth while a taker waits")
{
	const ProcessResources baseline = ProcessResources::now();
	const int cycles = cycles_per_api();
	int pushed_races = 0, pulled_races = 0;
	for (int cycle = 0; cycle < cycles; ++cycle) {
		StopRace race;
		tcptop_options options;
		tcptop_options_init(&options);
		options.interval_ms = static_cast<uint32_t>(interval.count());
		options.protocols = with_udp(cycle) ? TCPTOP_PROTO_ALL : TCPTOP_PROTO_TCP;
		tcptop_collector *created = nullptr;
		REQUIRE(tcptop_collector_create(&options, &created) == 0);
		/* Destroyed first, also by a failed REQUIRE: its callback uses
		 * what is declared before. */
		std::unique_ptr<tcptop_collector, decltype(&tcptop_collector_destroy)> owned(
			created, tcptop_collector_destroy);
		tcptop_collector *collector = owned.get();

		if (cycle % 10 == 5) {
			/* Pull: a taker waits without end; stop must wake it. */
			REQUIRE_MESSAGE(tcptop_collector_start_polling(collector) == 0,
					tcptop_last_error_message());
			std::atomic<int> taken = 0;
			std::atomic<int> last_result = 0;
			std::thread taker([&] {
				for (;;) {
					tcptop_snapshot *snapshot = nullptr;
					int result = tcptop_collector_next_snapshot(collector, -1, &snapshot);
					if (result != 0) {
						last_result = result;
						return;
					}
					++taken;
					tcptop_snapshot_free(snapshot);
				}
			});
			auto deadline = std::chrono::steady_clock::now() + 10s;
			while (taken == 0 && std::chrono::steady_clock::now() < deadline)
				std::this_thread::sleep_for(1ms);
			CHECK(tcptop_collector_stop(collector) == 0);
			taker.join();
			CHECK(taken > 0);
			CHECK(last_result == -EBUSY);
			++pulled_races;
		} else {
			auto callback = [](const tcptop_snapshot *, void *user_data) {
				static_cast<StopRace *>(user_data)->on_callback();
			};
			REQUIRE_MESSAGE(tcptop_collector_start(collector, callback, &race) == 0,
					tcptop_last_error_message());
			if (racing(cycle)) {
				REQUIRE(race.wait_entered());
				++pushed_races;
			}
			CHECK(tcptop_collector_stop(collector) == 0);
			race.stop_returned = true;
			if (racing(cycle)) {
				std::this_thread::sleep_for(2 * interval);
				CHECK(race.late_calls == 0);
			}
		}
	}
	MESSAGE(cycles << " cycles, " << pushed_races << " stopped while the callback ran, "
		       << pulled_races << " while a taker waited");
	check_back_to(baseline);
}
