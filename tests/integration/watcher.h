// SPDX-License-Identifier: MIT
// Watcher: a running collector whose snapshots a test can wait for.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <tcptop/tcptop.hpp>

class Watcher
{
public:
	/// Start collecting; \p on_snapshot (optional) runs in the handler first.
	explicit Watcher(tcptop::Options options,
			 std::function<void(const tcptop::Snapshot &)> on_snapshot = {},
			 tcptop::EbpfOptions ebpf = {});
	~Watcher();

	/// The next snapshot made after wall-clock time \p after_ns; nullopt on timeout
	/// (\p timeout_ms stretched by time_scale()).
	std::optional<tcptop::Snapshot> snapshot_after(std::uint64_t after_ns, int timeout_ms = 15000);
	/// The next snapshot made from now on.
	tcptop::Snapshot fresh_snapshot();

	tcptop::NetworkCollector &collector() { return *collector_; }

private:
	boost::asio::io_context io_;
	boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
	std::unique_ptr<tcptop::NetworkCollector> collector_;
	std::thread thread_;
	std::mutex mutex_;
	std::condition_variable arrived_;
	std::deque<tcptop::Snapshot> snapshots_;
};

std::uint64_t wall_now_ns();

/// Whether the collector under test (TCPTOP_TEST_COLLECTOR) tells the role
/// of a connection opened before it started: sock_diag's counters do.
bool test_collector_tells_earlier_roles();

/// Records of \p snapshot that match \p predicate.
std::vector<tcptop::ConnectionRecord>
select(const tcptop::Snapshot &snapshot,
       const std::function<bool(const tcptop::ConnectionRecord &)> &predicate);
