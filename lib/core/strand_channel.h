// SPDX-License-Identifier: MIT
// StrandChannel: hands snapshots from the collector thread to handlers posted on the caller's strand.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <tcptop/network_collector.h>
#include <tcptop/snapshot.h>

#include "core/bounded_snapshots.h"
#include "core/snapshot_channel.h"

namespace tcptop {

/**
 * \brief A bounded, lock-free hand-off from one producer thread to handler
 * calls posted on a strand.
 *
 * Held by shared_ptr: posted handlers keep it alive after the owner let go.
 */
class StrandChannel final : public SnapshotChannel,
			    public std::enable_shared_from_this<StrandChannel>
{
public:
	/// Snapshots waiting for the handler; more are refused, not queued.
	static constexpr std::size_t capacity = BoundedSnapshots::capacity;

	StrandChannel(boost::asio::any_io_executor executor, NetworkCollector::SnapshotHandler handler);

	StrandChannel(const StrandChannel &) = delete;
	StrandChannel &operator=(const StrandChannel &) = delete;

	bool offer(std::unique_ptr<Snapshot> &snapshot) override;

	/// Releases the outstanding work. After return no handler runs, unless
	/// called from inside the handler, where the running call is the last.
	void close() noexcept override;

private:
	void deliver_one();

	boost::asio::strand<boost::asio::any_io_executor> strand_;
	/* Outstanding work on the caller's executor while open, so that its
	 * io_context::run() does not return while snapshots are still to come. */
	boost::asio::any_io_executor work_;
	std::mutex work_mutex_;
	NetworkCollector::SnapshotHandler handler_;
	BoundedSnapshots waiting_;
	std::atomic<bool> closed_{false};
	std::mutex handler_mutex_;
};

} // namespace tcptop
