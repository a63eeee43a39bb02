// SPDX-License-Identifier: MIT
// CollectionLoop: each interval, a Source's readings into the table, and a snapshot out.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_set>

#include <tcptop/options.h>

#include "core/connection_table.h"
#include "core/snapshot_channel.h"
#include "core/source.h"

namespace tcptop {

/**
 * \brief The pipeline every collector shares: waits for the tick while the
 * source reports events, then has it collect, learns owners, and offers the
 * snapshot; a refused snapshot is folded into the next (coalescing), so
 * the table is committed only when a snapshot was taken.
 *
 * Runs on one thread, the collector's.
 */
class CollectionLoop
{
public:
	CollectionLoop(const Options &options, std::unique_ptr<Source> source,
		       std::shared_ptr<SnapshotChannel> channel);
	~CollectionLoop();

	CollectionLoop(const CollectionLoop &) = delete;
	CollectionLoop &operator=(const CollectionLoop &) = delete;

	/// Collect until \p stop_requested is set; returns within a poll slice of
	/// it. Between ticks the source waits for events.
	void run(const std::atomic<bool> &stop_requested);

	/// One interval's end: collect, learn owners, offer the snapshot.
	void tick();

	/// After setting the stop flag of run(), from any thread: end the
	/// source's wait so that run() returns now rather than after its slice.
	void wake() noexcept { source_->wake(); }

private:
	class TableFeed;

	void collect();
	void learn_owners();
	/// \p tick_started_ns: when this tick began (CLOCK_MONOTONIC).
	void offer_snapshot(std::uint64_t tick_started_ns);

	const Options options_;
	std::unique_ptr<Source> source_;
	std::shared_ptr<SnapshotChannel> channel_;
	ConnectionTable table_;
	std::unique_ptr<TableFeed> feed_;

	/* Sockets the owner walk already looked for, so that one that no
	 * process holds does not make every interval walk all files. */
	std::unordered_set<std::uint64_t> owner_walk_tried_;
	/* What the last walk found of those: a UDP socket's flows appear one
	 * by one, and each later one takes its owner from here. */
	OwnersByCookie owners_found_;

	SourceCounters counters_at_commit_;
	std::uint64_t coalesced_since_commit_ = 0;
};

} // namespace tcptop
