// SPDX-License-Identifier: MIT
// SnapshotQueue: the bounded hand-off of pull mode, from the delivery thread to next_snapshot().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "snapshot_data.h"

namespace tcptop::capi {

/**
 * \brief At most \p capacity snapshots waiting for the consumer.
 *
 * A full queue makes put() wait rather than drop: the waiting collector
 * handler is what makes the collector fold later intervals into one
 * snapshot (counted in snapshots_coalesced), so a slow consumer loses no
 * closed connection and memory stays bounded. close() ends all waiting.
 */
class SnapshotQueue
{
public:
	explicit SnapshotQueue(std::size_t capacity);

	SnapshotQueue(const SnapshotQueue &) = delete;
	SnapshotQueue &operator=(const SnapshotQueue &) = delete;

	/// Producer: wait for room, then queue. False (and nothing queued) once closed.
	bool put(std::unique_ptr<tcptop_snapshot> snapshot);

	enum class Taken { snapshot, timed_out, closed };

	/// Consumer: the oldest snapshot, waiting up to \p timeout (forever if negative).
	Taken take(std::chrono::milliseconds timeout, std::unique_ptr<tcptop_snapshot> &out);

	/// Wake every waiter, free what nobody took, refuse what comes. Idempotent.
	void close() noexcept;

private:
	const std::size_t capacity_;
	std::mutex mutex_;
	std::condition_variable changed_;
	std::deque<std::unique_ptr<tcptop_snapshot>> waiting_;
	bool closed_ = false;
};

} // namespace tcptop::capi
