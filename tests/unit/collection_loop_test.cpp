// SPDX-License-Identifier: MIT
// CollectionLoop over a scripted Source: closing what a complete walk missed, owners, counters, coalescing.
#include <doctest/doctest.h>

#include <deque>
#include <thread>

#include "core/collection_loop.h"
#include "core/pull_channel.h"

using namespace tcptop;
using namespace std::chrono_literals;

namespace {

ConnectionKey tcp_key(std::uint64_t cookie)
{
	return {Protocol::tcp, cookie, {}, 0};
}

ConnectionRecord tcp_reading(std::uint64_t cookie, std::uint64_t sent, std::uint32_t pid = 0)
{
	ConnectionRecord record;
	record.socket_cookie = cookie;
	record.bytes_sent = sent;
	record.local_port = 1000;
	record.state = TcpState::established;
	record.pid = pid;
	return record;
}

/* What the scripted source reports at each tick. */
struct Interval {
	std::vector<ConnectionRecord> live;
	std::vector<ConnectionRecord> closed;
	bool tcp_walk_complete = true;
	SourceCounters counters;
	std::chrono::milliseconds walk_time{0};
};

/* A source that reports a script: the kernel is not needed to check what
 * the loop does with what any source reports. */
class ScriptedSource final : public Source
{
public:
	ScriptedSource(std::deque<Interval> &script, OwnersByCookie owners, int &owner_walks)
		: script_(script), owners_(std::move(owners)), owner_walks_(owner_walks)
	{
	}

	std::vector<FeatureStatus> features() const override { return {}; }
	void read_events(std::chrono::milliseconds, ReadingSink &) override {}
	void wake() noexcept override {}

	CompleteWalks collect(ReadingSink &sink) override
	{
		REQUIRE(!script_.empty());
		current_ = script_.front();
		script_.pop_front();
		std::this_thread::sleep_for(current_.walk_time);
		for (const ConnectionRecord &record : current_.live)
			sink.live(tcp_key(record.socket_cookie), record);
		for (const ConnectionRecord &record : current_.closed)
			sink.closed(tcp_key(record.socket_cookie), record);
		return {current_.tcp_walk_complete, false};
	}

	std::optional<OwnersByCookie>
	find_owners(const std::unordered_set<std::uint64_t> &cookies) override
	{
		++owner_walks_;
		OwnersByCookie found;
		for (std::uint64_t cookie : cookies)
			if (auto owner = owners_.find(cookie); owner != owners_.end())
				found.emplace(*owner);
		return found;
	}

	SourceCounters counters() override { return current_.counters; }

private:
	std::deque<Interval> &script_;
	OwnersByCookie owners_;
	int &owner_walks_;
	Interval current_;
};

struct Harness {
	explicit Harness(OwnersByCookie owners = {})
		: channel(std::make_shared<PullChannel>()),
		  loop(Options{}, std::make_unique<ScriptedSource>(script, std::move(owners), owner_walks),
		       channel)
	{
	}

	/* One tick of \p interval; the snapshot it delivered, or null when
	 * the channel refused it. */
	std::unique_ptr<Snapshot> tick(Interval interval, bool take = true)
	{
		script.push_back(std::move(interval));
		loop.tick();
		std::unique_ptr<Snapshot> snapshot;
		if (take)
			channel->take(0ms, snapshot);
		return snapshot;
	}

	std::deque<Interval> script;
	int owner_walks = 0;
	std::shared_ptr<PullChannel> channel;
	CollectionLoop loop;
};

const ConnectionRecord *find(const Snapshot &snapshot, std::uint64_t cookie)
{
	for (const ConnectionRecord &record : snapshot.connections)
		if (record.socket_cookie == cookie)
			return &record;
	return nullptr;
}

} // namespace

TEST_CASE("a connection missing from a complete walk is closed once; from a failed walk, it is not")
{
	Harness harness;
	auto first = harness.tick({{tcp_reading(1, 10), tcp_reading(2, 20)}, {}, true, {}});
	REQUIRE(first);
	CHECK(first->connections.size() == 2);

	auto failed_walk = harness.tick({{tcp_reading(1, 11)}, {}, false, {}});
	REQUIRE(failed_walk);
	REQUIRE(find(*failed_walk, 2));
	CHECK_FALSE(find(*failed_walk, 2)->closed);

	auto complete_walk = harness.tick({{tcp_reading(1, 12)}, {}, true, {}});
	REQUIRE(complete_walk);
	REQUIRE(find(*complete_walk, 2));
	CHECK(find(*complete_walk, 2)->closed);
	CHECK(find(*complete_walk, 2)->state == TcpState::close);
	CHECK(find(*complete_walk, 2)->bytes_sent == 20);

	auto after = harness.tick({{tcp_reading(1, 13)}, {}, true, {}});
	REQUIRE(after);
	CHECK_FALSE(find(*after, 2));
}

TEST_CASE("owners are looked for when unknown sockets appear, not again for the same ones")
{
	Harness harness({{1, Owner{42, "server", 7}}});
	auto first = harness.tick({{tcp_reading(1, 10), tcp_reading(2, 10)}, {}, true, {}});
	CHECK(harness.owner_walks == 1);
	REQUIRE(first);
	CHECK(find(*first, 1)->pid == 42);
	CHECK(find(*first, 1)->comm == "server");
	CHECK(find(*first, 2)->pid == 0);

	harness.tick({{tcp_reading(1, 11), tcp_reading(2, 11)}, {}, true, {}});
	CHECK(harness.owner_walks == 1);
	harness.tick({{tcp_reading(1, 12), tcp_reading(2, 12), tcp_reading(3, 1)}, {}, true, {}});
	CHECK(harness.owner_walks == 2);
	harness.tick({{tcp_reading(1, 13), tcp_reading(2, 13), tcp_reading(3, 2, 9)}, {}, true, {}});
	CHECK(harness.owner_walks == 2);
}

TEST_CASE("events and drops are counted per delivered snapshot; a refused one is folded into the next")
{
	Harness harness;
	auto first = harness.tick({{tcp_reading(1, 10)}, {}, true, {5, 1, 4, 2, 6}});
	REQUIRE(first);
	CHECK(first->stats.events == 5);
	CHECK(first->stats.events_dropped == 1);
	CHECK(first->stats.udp_datagrams_untracked == 4);
	CHECK(first->stats.udp_datagrams_unparsed == 2);
	CHECK(first->stats.program_runs_missed == 6);

	/* The consumer takes nothing while three more intervals pass: the
	 * channel holds two, the third is folded, and a connection that
	 * closed meanwhile is kept until a snapshot carrying it is taken. */
	harness.tick({{tcp_reading(1, 20)}, {tcp_reading(2, 5)}, true, {8, 1, 4, 2, 6}}, false);
	harness.tick({{tcp_reading(1, 30)}, {}, true, {9, 3, 6, 2, 7}}, false);
	harness.tick({{tcp_reading(1, 40)}, {}, true, {10, 3, 7, 3, 9}}, false);

	std::unique_ptr<Snapshot> second, third;
	REQUIRE(harness.channel->take(0ms, second) == PullChannel::Taken::snapshot);
	REQUIRE(harness.channel->take(0ms, third) == PullChannel::Taken::snapshot);
	CHECK(second->stats.events == 3);
	CHECK(second->stats.snapshots_coalesced == 0);
	REQUIRE(find(*second, 2));
	CHECK(find(*second, 2)->closed);
	CHECK(third->stats.events == 1);
	CHECK(third->stats.events_dropped == 2);
	CHECK(third->stats.udp_datagrams_untracked == 2);
	CHECK(third->stats.udp_datagrams_unparsed == 0);
	CHECK(third->stats.program_runs_missed == 1);

	auto folded = harness.tick({{tcp_reading(1, 50)}, {}, true, {12, 3, 7, 3, 10}});
	REQUIRE(folded);
	CHECK(folded->stats.snapshots_coalesced == 1);
	CHECK(folded->stats.events == 3);
	CHECK(folded->stats.udp_datagrams_untracked == 1);
	CHECK(folded->stats.udp_datagrams_unparsed == 1);
	CHECK(folded->stats.program_runs_missed == 3);
	CHECK(find(*folded, 1)->bytes_sent == 50);
	CHECK_FALSE(find(*folded, 2));
}

TEST_CASE("a snapshot says how long it took to make, from its tick")
{
	Harness harness;
	Interval slow{{tcp_reading(1, 10)}, {}, true, {}};
	slow.walk_time = 20ms;
	auto snapshot = harness.tick(slow);
	REQUIRE(snapshot);
	CHECK(snapshot->stats.collection_ns >= 20'000'000);
}
