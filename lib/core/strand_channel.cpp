// SPDX-License-Identifier: MIT
// StrandChannel: hands snapshots from the collector thread to handlers posted on the caller's strand.
#include "core/strand_channel.h"

#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

namespace tcptop {

namespace {

/* The channel whose handler this thread is running, so that close() from
 * inside the handler does not wait for itself. */
thread_local const StrandChannel *channel_in_handler = nullptr;

} // namespace

StrandChannel::StrandChannel(boost::asio::any_io_executor executor,
			     NetworkCollector::SnapshotHandler handler)
	: strand_(boost::asio::make_strand(executor)),
	  work_(boost::asio::prefer(executor, boost::asio::execution::outstanding_work.tracked)),
	  handler_(std::move(handler))
{
}

bool StrandChannel::offer(std::unique_ptr<Snapshot> &snapshot)
{
	if (closed_.load(std::memory_order_acquire))
		return false;
	if (!waiting_.push(snapshot))
		return false;
	boost::asio::post(strand_, [self = shared_from_this()] { self->deliver_one(); });
	return true;
}

void StrandChannel::deliver_one()
{
	std::unique_ptr<Snapshot> snapshot = waiting_.pop();
	if (!snapshot)
		return;
	std::lock_guard lock(handler_mutex_);
	if (closed_.load(std::memory_order_acquire))
		return;
	/* An exception from the handler propagates out of the caller's
	 * io_context::run(), as with any Asio handler. */
	struct InHandler {
		explicit InHandler(const StrandChannel *channel) { channel_in_handler = channel; }
		~InHandler() { channel_in_handler = nullptr; }
	} in_handler(this);
	handler_(*snapshot);
}

void StrandChannel::close() noexcept
{
	closed_.store(true, std::memory_order_release);
	{
		std::lock_guard lock(work_mutex_);
		work_ = boost::asio::any_io_executor();
	}
	if (channel_in_handler == this)
		return;
	/* Wait for a handler call in progress on another thread. */
	std::lock_guard lock(handler_mutex_);
}

} // namespace tcptop
