// SPDX-License-Identifier: MIT
// Watcher: a running collector whose snapshots a test can wait for.
#include "watcher.h"
#include "time_scale.h"

#include <chrono>
#include <stdexcept>

Watcher::Watcher(tcptop::Options options, std::function<void(const tcptop::Snapshot &)> on_snapshot)
	: work_(io_.get_executor()), collector_(tcptop::make_ebpf_collector(options))
{
	collector_->start(io_.get_executor(), [this, on_snapshot](const tcptop::Snapshot &snapshot) {
		if (on_snapshot)
			on_snapshot(snapshot);
		std::lock_guard lock(mutex_);
		snapshots_.push_back(snapshot);
		if (snapshots_.size() > 64)
			snapshots_.pop_front();
		arrived_.notify_all();
	});
	thread_ = std::thread([this] { io_.run(); });
}

Watcher::~Watcher()
{
	collector_->stop();
	work_.reset();
	io_.stop();
	thread_.join();
}

std::optional<tcptop::Snapshot> Watcher::snapshot_after(std::uint64_t after_ns, int timeout_ms)
{
	std::unique_lock lock(mutex_);
	auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::milliseconds(timeout_ms));
	for (;;) {
		while (!snapshots_.empty()) {
			tcptop::Snapshot snapshot = std::move(snapshots_.front());
			snapshots_.pop_front();
			if (snapshot.timestamp_ns > after_ns)
				return snapshot;
		}
		if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout)
			return std::nullopt;
	}
}

tcptop::Snapshot Watcher::fresh_snapshot()
{
	std::optional<tcptop::Snapshot> snapshot = snapshot_after(wall_now_ns());
	if (!snapshot)
		throw std::runtime_error("no snapshot arrived in time");
	return *snapshot;
}

std::uint64_t wall_now_ns()
{
	return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
						  std::chrono::system_clock::now().time_since_epoch())
						  .count());
}

std::vector<tcptop::ConnectionRecord>
select(const tcptop::Snapshot &snapshot,
       const std::function<bool(const tcptop::ConnectionRecord &)> &predicate)
{
	std::vector<tcptop::ConnectionRecord> found;
	for (const tcptop::ConnectionRecord &record : snapshot.connections)
		if (predicate(record))
			found.push_back(record);
	return found;
}
