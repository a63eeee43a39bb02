// SPDX-License-Identifier: MIT
// struct tcptop_collector: a collector delivering on a thread of its own (push), or kept for the caller to take (pull).
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include <tcptop/network_collector.h>
#include <tcptop/tcptop.h>

#include "capi/boundary.h"
#include "capi/delivery_thread.h"
#include "capi/errors.h"
#include "capi/feature_report.h"
#include "capi/last_error.h"
#include "capi/live_collectors.h"
#include "capi/options_conversion.h"
#include "capi/snapshot_data.h"
#include "core/pull_channel.h"
#include "core/source_collector.h"
#include "linux/ebpf/collector_factory.h"
#include "linux/sock_diag/collector_factory.h"

using tcptop::PullChannel;
using tcptop::SourceCollector;
using tcptop::capi::DeliveryThread;
using tcptop::capi::fail;
using tcptop::capi::FeatureReport;
using tcptop::capi::guarded;

struct tcptop_collector {
	enum class State { idle, pushing, polling, stopping };

	explicit tcptop_collector(std::unique_ptr<SourceCollector> collector)
		: collector(std::move(collector))
	{
	}

	/* Stopped whenever state is idle; only the thread that moved state to
	 * stopping calls its stop(), since the C++ API forbids concurrent calls. */
	std::unique_ptr<SourceCollector> collector;

	/* Mutable: the const accessors of the feature report lock it too. */
	mutable std::mutex mutex;
	std::condition_variable state_changed;
	State state = State::idle;
	/* Push mode: the thread of the current or last run. Kept after stop
	 * until the next start or destroy: a stop from inside the callback
	 * cannot join it. */
	std::shared_ptr<DeliveryThread> delivery;
	/* Pull mode: the collector's own hand-off, read by next_snapshot()
	 * directly; shared so that it waits without the mutex. */
	std::shared_ptr<PullChannel> pull_channel;
	/* Made by the last successful start; stop leaves it, so that readers
	 * may run while stop does. Replaced under the mutex by the next start. */
	std::unique_ptr<const FeatureReport> features;
};

namespace {

using State = tcptop_collector::State;

/* The collector whose push callback this thread is running: stop() from
 * there must not wait for the callback to end, and destroy() from there
 * must leave the freeing to the delivery thread. */
thread_local const tcptop_collector *in_callback_of = nullptr;

void deliver(tcptop_collector &c, tcptop_snapshot_fn fn, void *user_data,
	     const tcptop::Snapshot &snapshot)
{
	std::unique_ptr<tcptop_snapshot> converted;
	try {
		converted = tcptop::capi::make_c_snapshot(snapshot);
	} catch (const std::bad_alloc &) {
		/* No memory for this interval's copy; the next one may fit. */
		return;
	}
	in_callback_of = &c;
	fn(converted.get(), user_data);
	in_callback_of = nullptr;
}

void stop_collector(tcptop_collector &c);

/* Start \p c: in push mode with \p handler, else (pull mode) into a new PullChannel. */
int begin(tcptop_collector &c, State mode, tcptop::NetworkCollector::SnapshotHandler handler)
{
	if (in_callback_of == &c)
		return fail(-EBUSY, "cannot start a collector from inside its own callback");

	std::unique_lock lock(c.mutex);
	if (c.state != State::idle)
		return fail(-EALREADY, "collector already running: call tcptop_collector_stop() first");

	/* A thread left by a stop from inside the callback ends on its own. */
	if (std::shared_ptr<DeliveryThread> previous = std::move(c.delivery)) {
		lock.unlock();
		previous->wait_finished();
		previous.reset();
		lock.lock();
	}

	std::shared_ptr<DeliveryThread> delivery;
	std::shared_ptr<PullChannel> pull_channel;
	tcptop::Diagnostics diagnostics;
	std::error_code code;
	if (mode == State::pushing) {
		delivery = std::make_shared<DeliveryThread>();
		code = c.collector->start(delivery->executor(), std::move(handler), diagnostics);
	} else {
		pull_channel = std::make_shared<PullChannel>();
		code = c.collector->start(pull_channel, diagnostics);
	}
	if (code)
		return fail(tcptop::capi::to_errno(code), diagnostics.message);
	c.delivery = std::move(delivery);
	c.pull_channel = std::move(pull_channel);
	c.state = mode;
	/* Still under the mutex: a callback that asks for the report waits
	 * for this one instead of reading the last run's. */
	try {
		c.features = std::make_unique<const FeatureReport>(c.collector->features());
	} catch (const std::bad_alloc &) {
		lock.unlock();
		stop_collector(c);
		return fail(-ENOMEM, "out of memory while copying the collector's features");
	}
	return 0;
}

void stop_collector(tcptop_collector &c)
{
	bool from_callback = in_callback_of == &c;
	std::unique_lock lock(c.mutex);

	if (c.state == State::pushing || c.state == State::polling) {
		c.state = State::stopping;
		lock.unlock();
		/* Closes the pull channel too, waking its waiters. */
		c.collector->stop();
		lock.lock();
		if (c.delivery)
			c.delivery->release();
		c.pull_channel.reset();
		c.state = State::idle;
		c.state_changed.notify_all();
	} else if (c.state == State::stopping && !from_callback) {
		c.state_changed.wait(lock, [&c] { return c.state != State::stopping; });
	}

	/* From inside the callback the running call is the last, and waiting
	 * for the thread would wait for ourselves. */
	if (from_callback)
		return;
	std::shared_ptr<DeliveryThread> delivery = c.delivery;
	lock.unlock();
	if (delivery)
		delivery->wait_finished();
}

/* 0 when \p c may be used, else the error for a NULL or stale handle. */
int check_handle(const tcptop_collector *c)
{
	if (!c)
		return fail(-EINVAL, "invalid argument c: NULL");
	if (!tcptop::capi::is_live_collector(c))
		return fail(-EINVAL, "invalid argument c: not a live collector (destroyed already, "
				     "or not made by tcptop_collector_create())");
	return 0;
}

} // namespace

int tcptop_collector_create(const struct tcptop_options *opts, struct tcptop_collector **out)
{
	if (out)
		*out = nullptr;
	if (!opts)
		return fail(-EINVAL, "invalid argument opts: NULL (fill one with tcptop_options_init())");
	if (!out)
		return fail(-EINVAL, "invalid argument out: NULL");

	return guarded([&] {
		tcptop::Options options;
		tcptop::EbpfOptions ebpf;
		std::uint32_t kind = TCPTOP_COLLECTOR_EBPF;
		if (int err = tcptop::capi::convert_options(*opts, options, ebpf, kind))
			return err;
		std::error_code code;
		tcptop::Diagnostics diagnostics;
		/* One struct for both collectors: a bad field is an error whichever reads it. */
		if (kind == TCPTOP_COLLECTOR_SOCK_DIAG)
			code = tcptop::linux_impl::check_ebpf_options(ebpf, diagnostics);
		if (code)
			return fail(tcptop::capi::to_errno(code), diagnostics.message);
		std::unique_ptr<SourceCollector> collector =
			kind == TCPTOP_COLLECTOR_SOCK_DIAG
				? tcptop::linux_impl::make_sock_diag_source_collector(options, code, diagnostics)
				: tcptop::linux_impl::make_ebpf_source_collector(options, ebpf, code, diagnostics);
		if (!collector)
			return fail(tcptop::capi::to_errno(code), diagnostics.message);
		auto made = std::make_unique<tcptop_collector>(std::move(collector));
		tcptop::capi::add_live_collector(made.get());
		*out = made.release();
		return 0;
	});
}

void tcptop_collector_destroy(struct tcptop_collector *c)
{
	if (!c)
		return;
	if (!tcptop::capi::remove_live_collector(c)) {
		/* Freed already, perhaps: touching it could only do harm. */
		check_handle(c);
		return;
	}
	guarded([c] {
		stop_collector(*c);
		return 0;
	});
	if (in_callback_of != c) {
		delete c;
		return;
	}
	/* The callback that called us is still running on the delivery thread. */
	try {
		c->delivery->at_finish([c] { delete c; });
	} catch (...) {
		/* Cannot happen (the hook is small enough to need no allocation);
		 * leaking beats freeing under the caller's feet. */
	}
}

int tcptop_collector_start(struct tcptop_collector *c, tcptop_snapshot_fn fn, void *user_data)
{
	if (int err = check_handle(c))
		return err;
	if (!fn)
		return fail(-EINVAL, "invalid argument fn: NULL (use tcptop_collector_start_polling() to pull)");

	return guarded([&] {
		auto handler = [c, fn, user_data](const tcptop::Snapshot &snapshot) {
			deliver(*c, fn, user_data, snapshot);
		};
		return begin(*c, State::pushing, handler);
	});
}

int tcptop_collector_start_polling(struct tcptop_collector *c)
{
	if (int err = check_handle(c))
		return err;

	return guarded([&] { return begin(*c, State::polling, nullptr); });
}

int tcptop_collector_next_snapshot(struct tcptop_collector *c, int timeout_ms,
				   struct tcptop_snapshot **out)
{
	if (out)
		*out = nullptr;
	if (int err = check_handle(c))
		return err;
	if (!out)
		return fail(-EINVAL, "invalid argument out: NULL");
	if (timeout_ms < -1)
		return fail(-EINVAL, "invalid argument timeout_ms: give -1 (forever), 0 or more");

	return guarded([&] {
		std::shared_ptr<PullChannel> pull_channel;
		{
			std::lock_guard lock(c->mutex);
			if (c->state != State::polling)
				return fail(-EBUSY, "collector is not polling: start it with "
						    "tcptop_collector_start_polling()");
			pull_channel = c->pull_channel;
		}
		std::unique_ptr<tcptop::Snapshot> snapshot;
		switch (pull_channel->take(std::chrono::milliseconds(timeout_ms), snapshot)) {
		case PullChannel::Taken::snapshot:
			/* Made here, on the caller's thread: the collector thread
			 * only hands over what it made anyway. */
			*out = tcptop::capi::make_c_snapshot(*snapshot).release();
			return 0;
		case PullChannel::Taken::timed_out:
			return fail(-ETIMEDOUT, "no snapshot within " + std::to_string(timeout_ms) + " ms");
		case PullChannel::Taken::closed:
			break;
		}
		return fail(-EBUSY, "collector stopped while waiting for a snapshot");
	});
}

int tcptop_collector_stop(struct tcptop_collector *c)
{
	if (int err = check_handle(c))
		return err;

	return guarded([c] {
		stop_collector(*c);
		return 0;
	});
}

size_t tcptop_collector_feature_count(const struct tcptop_collector *c)
{
	if (!c || !tcptop::capi::is_live_collector(c))
		return 0;
	try {
		std::lock_guard lock(c->mutex);
		return c->features ? c->features->size() : 0;
	} catch (...) {
		/* Only locking can throw, and only on a broken system. */
		return 0;
	}
}

const struct tcptop_feature *tcptop_collector_feature(const struct tcptop_collector *c, size_t i)
{
	if (!c || !tcptop::capi::is_live_collector(c))
		return nullptr;
	try {
		std::lock_guard lock(c->mutex);
		return c->features ? c->features->entry(i) : nullptr;
	} catch (...) {
		return nullptr;
	}
}
