// SPDX-License-Identifier: MIT
// Watcher: a running collector whose snapshots a test can wait for.
#include "watcher.h"
#include "time_scale.h"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace {

/*
 * TCPTOP_TEST_HOOK_KINDS=fentry runs every test with only the fentry
 * fallback allowed where the collector has a choice (UDP): the kernels
 * suite runs the suite so a second time on a kernel that offers both, and
 * the numbers must be the same. A test must not pass by UDP being
 * unavailable, so the collector is required to use what was forced.
 */
tcptop::EbpfOptions with_test_hook_kinds(tcptop::EbpfOptions ebpf)
{
	const char *forced = std::getenv("TCPTOP_TEST_HOOK_KINDS");
	if (!forced || !*forced)
		return ebpf;
	if (std::string_view(forced) != "fentry")
		throw std::invalid_argument("TCPTOP_TEST_HOOK_KINDS: only 'fentry' is known");
	ebpf.hook_kinds.cgroup = false;
	return ebpf;
}

void require_forced_hooks(const tcptop::NetworkCollector &collector)
{
	const char *forced = std::getenv("TCPTOP_TEST_HOOK_KINDS");
	if (!forced || !*forced)
		return;
	for (const tcptop::FeatureStatus &status : collector.features()) {
		bool asked = status.note.find("not asked") == std::string::npos;
		if (status.feature == tcptop::Feature::udp_counters && asked &&
		    status.hooks.rfind("fentry/", 0) != 0)
			throw std::runtime_error("TCPTOP_TEST_HOOK_KINDS=fentry, but UDP is counted by '" +
						 status.hooks + "': " + status.note);
	}
}

bool is_sock_diag_under_test()
{
	const char *chosen = std::getenv("TCPTOP_TEST_COLLECTOR");
	return chosen && std::string_view(chosen) == "sock_diag";
}

/*
 * TCPTOP_TEST_COLLECTOR=sock_diag runs the tests against the collector
 * without BPF: meson runs the binary a second time so, leaving out the
 * test suite "ebpf_only" (what only kernel hooks can see: connections
 * shorter than an interval, UDP counts, totals at the instant of a close,
 * the eBPF collector's own losses and refusals).
 */
std::unique_ptr<tcptop::NetworkCollector> make_test_collector(const tcptop::Options &options,
								const tcptop::EbpfOptions &ebpf)
{
	const char *chosen = std::getenv("TCPTOP_TEST_COLLECTOR");
	if (is_sock_diag_under_test())
		return tcptop::make_sock_diag_collector(options);
	if (!chosen || !*chosen || std::string_view(chosen) == "ebpf")
		return tcptop::make_ebpf_collector(options, with_test_hook_kinds(ebpf));
	throw std::invalid_argument("TCPTOP_TEST_COLLECTOR: 'ebpf' or 'sock_diag'");
}

} // namespace

bool test_collector_tells_earlier_roles()
{
	return is_sock_diag_under_test();
}

Watcher::Watcher(tcptop::Options options, std::function<void(const tcptop::Snapshot &)> on_snapshot,
		 tcptop::EbpfOptions ebpf)
	: work_(io_.get_executor()),
	  collector_(make_test_collector(options, ebpf))
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
	require_forced_hooks(*collector_);
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
