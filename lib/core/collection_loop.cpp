// SPDX-License-Identifier: MIT
// CollectionLoop: each interval, a Source's readings into the table, and a snapshot out.
#include "core/collection_loop.h"

#include <algorithm>
#include <chrono>

#include "core/clock.h"

namespace tcptop {

namespace {

using Clock = std::chrono::steady_clock;

/* How long the thread may wait for kernel events before it looks at the
 * clock and the stop flag again: bounds how long stop() takes. */
constexpr std::chrono::milliseconds poll_slice{50};

} // namespace

/* The table as a Source sees it. Live readings of one collect() share one
 * timestamp (a walk of 100,000 sockets need not read the clock for each);
 * events read it when they come. */
class CollectionLoop::TableFeed final : public ReadingSink
{
public:
	explicit TableFeed(ConnectionTable &table) : table_(table) {}

	void begin_collect() { collect_ns_ = wall_now_ns(); }
	void end_collect() { collect_ns_ = 0; }

	void live(const ConnectionKey &key, const ConnectionRecord &reading) override
	{
		table_.observe(key, reading, collect_ns_ ? collect_ns_ : wall_now_ns());
	}

	void closed(const ConnectionKey &key, const ConnectionRecord &reading) override
	{
		table_.observe_close(key, reading, wall_now_ns());
	}

	void owner_learned(std::uint64_t socket_cookie, const Owner &owner) override
	{
		table_.apply_owner(socket_cookie, owner);
	}

private:
	ConnectionTable &table_;
	std::uint64_t collect_ns_ = 0;
};

CollectionLoop::CollectionLoop(const Options &options, std::unique_ptr<Source> source,
			       std::shared_ptr<SnapshotChannel> channel)
	: options_(options),
	  source_(std::move(source)),
	  channel_(std::move(channel)),
	  table_(options.max_connections, wall_now_ns(), options),
	  feed_(std::make_unique<TableFeed>(table_))
{
}

CollectionLoop::~CollectionLoop() = default;

void CollectionLoop::collect()
{
	table_.begin_pass();
	feed_->begin_collect();
	CompleteWalks complete = source_->collect(*feed_);
	feed_->end_collect();
	std::uint64_t now = wall_now_ns();
	if (complete.tcp)
		table_.close_unseen(Protocol::tcp, now);
	if (complete.udp)
		table_.close_unseen(Protocol::udp, now);
}

void CollectionLoop::learn_owners()
{
	std::vector<std::uint64_t> unknown = table_.cookies_without_owner();
	bool anything_new = std::any_of(unknown.begin(), unknown.end(), [this](std::uint64_t cookie) {
		return !owners_found_.contains(cookie) && !owner_walk_tried_.contains(cookie);
	});
	if (anything_new) {
		owner_walk_tried_ = std::unordered_set<std::uint64_t>(unknown.begin(), unknown.end());
		if (std::optional<OwnersByCookie> owners = source_->find_owners(owner_walk_tried_))
			owners_found_ = std::move(*owners);
	}
	if (!unknown.empty())
		table_.apply_owners(owners_found_);
}

void CollectionLoop::offer_snapshot(std::uint64_t tick_started_ns)
{
	std::uint64_t now = wall_now_ns();
	SourceCounters counters = source_->counters();
	auto snapshot = std::make_unique<Snapshot>(table_.snapshot(now));
	snapshot->stats.collection_ns = clock_ns(CLOCK_MONOTONIC) - tick_started_ns;

	const SourceCounters &last = counters_at_commit_;
	snapshot->stats.events = counters.events - last.events;
	snapshot->stats.events_dropped = counters.events_dropped - last.events_dropped;
	snapshot->stats.udp_datagrams_untracked =
		counters.udp_datagrams_untracked - last.udp_datagrams_untracked;
	snapshot->stats.udp_datagrams_unparsed =
		counters.udp_datagrams_unparsed - last.udp_datagrams_unparsed;
	snapshot->stats.program_runs_missed = counters.program_runs_missed - last.program_runs_missed;
	snapshot->stats.connections_unseen = counters.connections_unseen - last.connections_unseen;
	snapshot->stats.snapshots_coalesced = coalesced_since_commit_;
	if (!channel_->offer(snapshot)) {
		/* The consumer is behind: keep everything for the next snapshot. */
		++coalesced_since_commit_;
		return;
	}
	table_.commit(now);
	counters_at_commit_ = counters;
	coalesced_since_commit_ = 0;
}

void CollectionLoop::tick()
{
	std::uint64_t started = clock_ns(CLOCK_MONOTONIC);
	collect();
	learn_owners();
	offer_snapshot(started);
}

void CollectionLoop::run(const std::atomic<bool> &stop_requested)
{
	Clock::time_point next_tick = Clock::now() + options_.interval;

	while (!stop_requested.load(std::memory_order_acquire)) {
		Clock::time_point now = Clock::now();
		if (now < next_tick) {
			auto wait = std::min<Clock::duration>(next_tick - now, poll_slice);
			source_->read_events(std::chrono::ceil<std::chrono::milliseconds>(wait), *feed_);
			continue;
		}
		tick();
		next_tick += options_.interval;
		/* After a stall (a suspended machine), do not fire a burst. */
		if (next_tick < Clock::now())
			next_tick = Clock::now() + options_.interval;
	}
}

} // namespace tcptop
