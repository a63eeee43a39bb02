// SPDX-License-Identifier: MIT
// PullChannel: bounded, refuses when full, wakes waiters and frees what is left on close.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "core/pull_channel.h"
#include "numbered_snapshot.h"

using namespace tcptop;
using namespace std::chrono_literals;

TEST_CASE("snapshots are taken in order; a full channel refuses and leaves the snapshot")
{
	PullChannel channel;
	for (std::uint64_t i = 1; i <= PullChannel::capacity; ++i) {
		auto snapshot = numbered(i);
		CHECK(channel.offer(snapshot));
		CHECK_FALSE(snapshot);
	}
	auto extra = numbered(99);
	CHECK_FALSE(channel.offer(extra));
	REQUIRE(extra);
	CHECK(extra->timestamp_ns == 99);

	std::unique_ptr<Snapshot> taken;
	for (std::uint64_t i = 1; i <= PullChannel::capacity; ++i) {
		REQUIRE(channel.take(0ms, taken) == PullChannel::Taken::snapshot);
		CHECK(taken->timestamp_ns == i);
	}
	CHECK(channel.take(0ms, taken) == PullChannel::Taken::timed_out);
	CHECK(channel.take(20ms, taken) == PullChannel::Taken::timed_out);
}

TEST_CASE("a waiting consumer wakes for a snapshot offered from another thread")
{
	PullChannel channel;
	std::thread producer([&] {
		std::this_thread::sleep_for(20ms);
		auto snapshot = numbered(7);
		channel.offer(snapshot);
	});
	std::unique_ptr<Snapshot> taken;
	CHECK(channel.take(-1ms, taken) == PullChannel::Taken::snapshot);
	CHECK(taken->timestamp_ns == 7);
	producer.join();
}

TEST_CASE("close wakes every waiter")
{
	PullChannel channel;
	std::thread forever([&] {
		std::unique_ptr<Snapshot> none;
		CHECK(channel.take(-1ms, none) == PullChannel::Taken::closed);
	});
	std::thread bounded([&] {
		std::unique_ptr<Snapshot> none;
		CHECK(channel.take(10s, none) == PullChannel::Taken::closed);
	});
	std::this_thread::sleep_for(20ms);
	channel.close();
	forever.join();
	bounded.join();
}

TEST_CASE("after close what nobody took is freed, and what comes is refused")
{
	PullChannel channel;
	auto untaken = numbered(1);
	REQUIRE(channel.offer(untaken));
	channel.close();

	std::unique_ptr<Snapshot> taken;
	CHECK(channel.take(0ms, taken) == PullChannel::Taken::closed);
	CHECK_FALSE(taken);
	auto late = numbered(2);
	CHECK_FALSE(channel.offer(late));
	CHECK(late);
}
