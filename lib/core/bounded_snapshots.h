// SPDX-License-Identifier: MIT
// BoundedSnapshots: the lock-free queue of snapshots inside each channel.
#pragma once

#include <cstddef>
#include <memory>

#include <boost/lockfree/spsc_queue.hpp>

#include <tcptop/snapshot.h>

namespace tcptop {

/**
 * \brief At most `capacity` snapshots between one producer thread and one
 * consumer at a time; it owns what it holds. Neither side ever waits.
 */
class BoundedSnapshots
{
public:
	/// Snapshots held; more are refused, not queued.
	static constexpr std::size_t capacity = 2;

	BoundedSnapshots() = default;
	~BoundedSnapshots() { clear(); }

	BoundedSnapshots(const BoundedSnapshots &) = delete;
	BoundedSnapshots &operator=(const BoundedSnapshots &) = delete;

	/// Producer: take \p snapshot, or leave it untouched and return false when full.
	bool push(std::unique_ptr<Snapshot> &snapshot)
	{
		if (!queue_.push(snapshot.get()))
			return false;
		snapshot.release();
		return true;
	}

	/// Consumer: the oldest snapshot, or null when there is none.
	std::unique_ptr<Snapshot> pop()
	{
		Snapshot *oldest = nullptr;
		queue_.pop(oldest);
		return std::unique_ptr<Snapshot>(oldest);
	}

	/// Consumer: whether a snapshot is waiting.
	bool ready() const { return queue_.read_available() > 0; }

	/// Consumer: free every snapshot held.
	void clear() noexcept
	{
		queue_.consume_all([](Snapshot *snapshot) { delete snapshot; });
	}

private:
	boost::lockfree::spsc_queue<Snapshot *, boost::lockfree::capacity<capacity>> queue_;
};

} // namespace tcptop
