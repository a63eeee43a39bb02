// SPDX-License-Identifier: MIT
// DeliveryThread: the io_context and thread on which a C collector's handler runs.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace tcptop::capi {

/**
 * \brief A thread running an io_context until release() and until the
 * handlers queued by then have run.
 *
 * C callers have no executor to lend, so every C collector started in push
 * mode gets one of these; push callbacks therefore never run on the
 * caller's threads. Pull mode needs none: the caller takes snapshots from
 * the collector's PullChannel itself.
 */
class DeliveryThread
{
public:
	DeliveryThread();
	/// Releases, then joins (or detaches when called on the thread itself).
	~DeliveryThread();

	DeliveryThread(const DeliveryThread &) = delete;
	DeliveryThread &operator=(const DeliveryThread &) = delete;

	boost::asio::io_context::executor_type executor() { return io_.get_executor(); }

	/// Let the io_context run out of work, so that the thread ends. Idempotent.
	void release() noexcept;

	/// Wait until the thread has finished running handlers.
	void wait_finished();

	/// Run \p hook on the thread once it has finished; it may destroy this object.
	void at_finish(std::function<void()> hook);

private:
	void run() noexcept;

	boost::asio::io_context io_;
	std::mutex mutex_;
	std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
	std::condition_variable finished_changed_;
	bool finished_ = false;
	std::function<void()> finish_hook_;
	std::thread thread_;
};

} // namespace tcptop::capi
