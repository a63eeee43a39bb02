// SPDX-License-Identifier: MIT
// SnapshotQueue: the bounded hand-off of pull mode, from the delivery thread to next_snapshot().
#include "snapshot_queue.h"

namespace tcptop::capi {

SnapshotQueue::SnapshotQueue(std::size_t capacity) : capacity_(capacity) {}

bool SnapshotQueue::put(std::unique_ptr<tcptop_snapshot> snapshot)
{
	std::unique_lock lock(mutex_);
	changed_.wait(lock, [this] { return closed_ || waiting_.size() < capacity_; });
	if (closed_)
		return false;
	waiting_.push_back(std::move(snapshot));
	changed_.notify_all();
	return true;
}

SnapshotQueue::Taken SnapshotQueue::take(std::chrono::milliseconds timeout,
					 std::unique_ptr<tcptop_snapshot> &out)
{
	std::unique_lock lock(mutex_);
	auto ready = [this] { return closed_ || !waiting_.empty(); };
	if (timeout.count() < 0)
		changed_.wait(lock, ready);
	else if (!changed_.wait_for(lock, timeout, ready))
		return Taken::timed_out;
	if (closed_)
		return Taken::closed;
	out = std::move(waiting_.front());
	waiting_.pop_front();
	changed_.notify_all();
	return Taken::snapshot;
}

void SnapshotQueue::close() noexcept
{
	std::deque<std::unique_ptr<tcptop_snapshot>> unclaimed;
	{
		std::lock_guard lock(mutex_);
		closed_ = true;
		unclaimed.swap(waiting_);
	}
	changed_.notify_all();
}

} // namespace tcptop::capi
