// SPDX-License-Identifier: MIT
// SourceCollector: the NetworkCollector of any Source, running the collection loop on its own thread.
#include "core/source_collector.h"

#include <new>
#include <pthread.h>
#include <string>

#include "core/strand_channel.h"

namespace tcptop {

namespace {

std::error_code out_of_memory(Diagnostics &diagnostics)
{
	diagnostics.message = "out of memory while starting the collector";
	return std::make_error_code(std::errc::not_enough_memory);
}

} // namespace

SourceCollector::SourceCollector(const Options &options, SourceOpener open_source)
	: options_(options), open_source_(std::move(open_source))
{
}

SourceCollector::~SourceCollector()
{
	stop();
}

void SourceCollector::start(boost::asio::any_io_executor executor, SnapshotHandler handler)
{
	Diagnostics diagnostics;
	if (std::error_code code = start(std::move(executor), std::move(handler), diagnostics))
		throw Error(code, diagnostics.message);
}

std::error_code SourceCollector::start(boost::asio::any_io_executor executor,
				       SnapshotHandler handler, Diagnostics &diagnostics) noexcept
{
	if (!handler) {
		diagnostics.message = "invalid argument handler: empty function";
		return Errc::invalid_option;
	}
	std::shared_ptr<SnapshotChannel> channel;
	try {
		channel = std::make_shared<StrandChannel>(std::move(executor), std::move(handler));
	} catch (const std::bad_alloc &) {
		return out_of_memory(diagnostics);
	}
	return start(std::move(channel), diagnostics);
}

std::error_code SourceCollector::start(std::shared_ptr<SnapshotChannel> channel,
				       Diagnostics &diagnostics) noexcept
try {
	if (loop_) {
		diagnostics.message = "collector already started: call stop() first";
		return Errc::already_started;
	}
	if (!channel) {
		diagnostics.message = "invalid argument channel: null";
		return Errc::invalid_option;
	}
	std::error_code code;
	std::unique_ptr<Source> source = open_source_(code, diagnostics);
	if (!source) {
		if (code)
			return code;
		diagnostics.message = "the collector's source could not be opened, and said not why";
		return Errc::system_failure;
	}
	std::vector<FeatureStatus> features = source->features();
	auto loop = std::make_unique<CollectionLoop>(options_, std::move(source), channel);

	stop_requested_.store(false);
	worker_ = std::thread(&CollectionLoop::run, loop.get(), std::cref(stop_requested_));
	/* So that `top -H` and profilers show whose thread it is. */
	pthread_setname_np(worker_.native_handle(), "tcptop-collect");
	loop_ = std::move(loop);
	channel_ = std::move(channel);
	features_ = std::move(features);
	return {};
} catch (const std::bad_alloc &) {
	return out_of_memory(diagnostics);
} catch (const std::system_error &error) {
	diagnostics.message = std::string("cannot start the collector thread: ") + error.what();
	return Errc::system_failure;
}

void SourceCollector::stop() noexcept
{
	stop_requested_.store(true, std::memory_order_release);
	if (loop_)
		loop_->wake();
	if (worker_.joinable())
		worker_.join();
	if (channel_)
		channel_->close();
	/* Detaches from the kernel: the source is gone when this returns. */
	loop_.reset();
	channel_.reset();
}

bool SourceCollector::running() const noexcept
{
	return loop_ != nullptr;
}

std::vector<FeatureStatus> SourceCollector::features() const
{
	return features_;
}

} // namespace tcptop
