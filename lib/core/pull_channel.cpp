// SPDX-License-Identifier: MIT
// PullChannel: snapshots kept for the caller's threads to take, for callers that cannot take callbacks.
#include "core/pull_channel.h"

namespace tcptop {

bool PullChannel::offer(std::unique_ptr<Snapshot> &snapshot)
{
	if (closed_.load(std::memory_order_acquire))
		return false;
	if (!waiting_.push(snapshot))
		return false;
	/* A consumer between its look at the queue and its wait holds the
	 * mutex: taking it here orders this wake-up after that wait began. */
	{
		std::lock_guard lock(consumers_);
	}
	arrived_.notify_all();
	return true;
}

PullChannel::Taken PullChannel::take(std::chrono::milliseconds timeout,
				     std::unique_ptr<Snapshot> &out)
{
	std::unique_lock lock(consumers_);
	auto ready = [this] {
		return closed_.load(std::memory_order_acquire) || waiting_.ready();
	};
	if (timeout.count() < 0)
		arrived_.wait(lock, ready);
	else if (!arrived_.wait_for(lock, timeout, ready))
		return Taken::timed_out;
	if (closed_.load(std::memory_order_acquire))
		return Taken::closed;
	out = waiting_.pop();
	return out ? Taken::snapshot : Taken::closed;
}

void PullChannel::close() noexcept
{
	closed_.store(true, std::memory_order_release);
	{
		std::lock_guard lock(consumers_);
		waiting_.clear();
	}
	arrived_.notify_all();
}

} // namespace tcptop
