// SPDX-License-Identifier: MIT
// EbpfCollector: the Linux NetworkCollector, driving a KernelSession from its own thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <tcptop/network_collector.h>

#include "../connection_table.h"
#include "../snapshot_channel.h"
#include "kernel_session.h"
#include "record_decoder.h"

namespace tcptop::linux_impl {

class EbpfCollector final : public NetworkCollector
{
public:
	explicit EbpfCollector(const Options &options);
	~EbpfCollector() override;

	void start(boost::asio::any_io_executor executor, SnapshotHandler handler) override;
	std::error_code start(boost::asio::any_io_executor executor, SnapshotHandler handler,
			      Diagnostics &diagnostics) noexcept override;
	void stop() noexcept override;
	bool running() const noexcept override;
	std::vector<FeatureStatus> features() const override;

private:
	/// Everything the collector thread owns; made by start(), gone after stop().
	struct Collection;

	static void run(Collection &collection, const std::atomic<bool> &stop_requested);

	Options options_;
	std::unique_ptr<Collection> collection_;
	std::shared_ptr<SnapshotChannel> channel_;
	std::vector<FeatureStatus> features_;
	std::atomic<bool> stop_requested_{false};
	std::thread worker_;
};

} // namespace tcptop::linux_impl
