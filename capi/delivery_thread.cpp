// SPDX-License-Identifier: MIT
// DeliveryThread: the io_context and thread on which a C collector's handler runs.
#include "capi/delivery_thread.h"

#include <pthread.h>

namespace tcptop::capi {

DeliveryThread::DeliveryThread()
	: work_(boost::asio::make_work_guard(io_)),
	  /* Started last: everything run() touches exists by now. */
	  thread_([this] { run(); })
{
	pthread_setname_np(thread_.native_handle(), "tcptop-deliver");
}

DeliveryThread::~DeliveryThread()
{
	release();
	if (!thread_.joinable())
		return;
	if (thread_.get_id() == std::this_thread::get_id())
		thread_.detach();
	else
		thread_.join();
}

void DeliveryThread::release() noexcept
{
	std::lock_guard lock(mutex_);
	work_.reset();
}

void DeliveryThread::wait_finished()
{
	std::unique_lock lock(mutex_);
	finished_changed_.wait(lock, [this] { return finished_; });
}

void DeliveryThread::at_finish(std::function<void()> hook)
{
	std::lock_guard lock(mutex_);
	finish_hook_ = std::move(hook);
}

void DeliveryThread::run() noexcept
{
	/* The handlers catch what they throw; should one escape anyway, keep
	 * delivering rather than end the process on a library thread. */
	for (;;) {
		try {
			io_.run();
			break;
		} catch (...) {
		}
	}

	std::function<void()> hook;
	{
		std::lock_guard lock(mutex_);
		finished_ = true;
		hook = std::move(finish_hook_);
		finished_changed_.notify_all();
	}
	/* The hook may free this object: nothing below touches a member. */
	if (hook)
		hook();
}

} // namespace tcptop::capi
