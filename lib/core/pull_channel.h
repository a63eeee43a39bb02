// SPDX-License-Identifier: MIT
// PullChannel: snapshots kept for the caller's threads to take, for callers that cannot take callbacks.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include <tcptop/snapshot.h>

#include "core/bounded_snapshots.h"
#include "core/snapshot_channel.h"

namespace tcptop {

/**
 * \brief A bounded hand-off from the collection loop to take(), called on
 * any thread of the caller (the C ABI's pull mode).
 *
 * The producer never waits for a consumer: a full channel refuses, and the
 * loop folds intervals into the next snapshot. It holds the consumers'
 * mutex only for a moment after a push, so that no waiter misses the
 * wake-up. Consumers take turns.
 */
class PullChannel final : public SnapshotChannel
{
public:
	/// Snapshots waiting to be taken; more are refused, not queued.
	static constexpr std::size_t capacity = BoundedSnapshots::capacity;

	PullChannel() = default;

	PullChannel(const PullChannel &) = delete;
	PullChannel &operator=(const PullChannel &) = delete;

	bool offer(std::unique_ptr<Snapshot> &snapshot) override;

	enum class Taken { snapshot, timed_out, closed };

	/// The oldest waiting snapshot, waiting up to \p timeout for one
	/// (forever when negative). Any thread; callers take turns.
	Taken take(std::chrono::milliseconds timeout, std::unique_ptr<Snapshot> &out);

	/// Wakes every waiter (they get Taken::closed), frees what nobody
	/// took, and refuses what comes.
	void close() noexcept override;

private:
	BoundedSnapshots waiting_;
	std::atomic<bool> closed_{false};
	/* Held by a consumer while it looks at the queue, and for a moment by
	 * the producer after a push, so that no waiter misses the wake-up. */
	std::mutex consumers_;
	std::condition_variable arrived_;
};

} // namespace tcptop
