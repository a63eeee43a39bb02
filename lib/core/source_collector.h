// SPDX-License-Identifier: MIT
// SourceCollector: the NetworkCollector of any Source, running the collection loop on its own thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include <tcptop/network_collector.h>
#include <tcptop/options.h>

#include "core/collection_loop.h"
#include "core/snapshot_channel.h"
#include "core/source.h"

namespace tcptop {

/**
 * \brief A NetworkCollector made of a backend's Source and the shared
 * collection loop: each backend supplies only how to open its source.
 */
class SourceCollector final : public NetworkCollector
{
public:
	/// Opens the backend at start(): the source, ready to collect, or null
	/// with \p code and \p diagnostics naming the cause.
	using SourceOpener =
		std::function<std::unique_ptr<Source>(std::error_code &code, Diagnostics &diagnostics)>;

	/// \param options checked already by the factory.
	SourceCollector(const Options &options, SourceOpener open_source);
	~SourceCollector() override;

	void start(boost::asio::any_io_executor executor, SnapshotHandler handler) override;
	std::error_code start(boost::asio::any_io_executor executor, SnapshotHandler handler,
			      Diagnostics &diagnostics) noexcept override;

	/// Start delivering into \p channel instead of a strand: the C ABI's
	/// pull mode hands its callers a PullChannel. Errors as start() above.
	std::error_code start(std::shared_ptr<SnapshotChannel> channel,
			      Diagnostics &diagnostics) noexcept;

	void stop() noexcept override;
	bool running() const noexcept override;
	std::vector<FeatureStatus> features() const override;

private:
	Options options_;
	SourceOpener open_source_;
	std::unique_ptr<CollectionLoop> loop_;
	std::shared_ptr<SnapshotChannel> channel_;
	std::vector<FeatureStatus> features_;
	std::atomic<bool> stop_requested_{false};
	std::thread worker_;
};

} // namespace tcptop
