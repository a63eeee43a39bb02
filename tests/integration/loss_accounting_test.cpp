// SPDX-License-Identifier: MIT
// Loss accounting that adds up: every connection is delivered or counted as lost, exactly.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "bpf/kernel_contract.h"
#include "records.h"
#include "time_scale.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;
using tcptop::Snapshot;
using traffic::Child;

namespace {

constexpr std::size_t burst_connections = 3000;
constexpr std::size_t request_bytes = 1000;
constexpr std::size_t reply_bytes = 3000;

/*
 * A child that, told to go, opens burst_connections connections to its own
 * listener, moves request_bytes one way and reply_bytes back on each, then
 * closes them all, as fast as it can: the closes come in a flood. It
 * reports its port, then 1 when all are closed.
 */
std::unique_ptr<Child> start_burst()
{
	auto child = std::make_unique<Child>("tt-burst", [](Child &self) {
		/* Two sockets per connection are held at once; a small hard
		 * limit (4096 in the kernels suite's guests) is raised too. */
		rlimit files{};
		getrlimit(RLIMIT_NOFILE, &files);
		const rlim_t needed = 2 * burst_connections + 64;
		files.rlim_max = std::max(files.rlim_max, needed);
		files.rlim_cur = files.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &files) != 0)
			return 1;

		int listener = traffic::listen_on("127.0.0.1");
		std::uint16_t port = traffic::bound_port(listener);
		self.report(port);
		self.wait_proceed();
		std::vector<int> clients, servers;
		for (std::size_t i = 0; i < burst_connections; ++i) {
			int client = traffic::connect_to("127.0.0.1", port);
			int server = accept(listener, nullptr, nullptr);
			if (client < 0 || server < 0 || !traffic::send_all(client, request_bytes) ||
			    !traffic::receive_exactly(server, request_bytes) ||
			    !traffic::send_all(server, reply_bytes) ||
			    !traffic::receive_exactly(client, reply_bytes))
				return 1;
			clients.push_back(client);
			servers.push_back(server);
		}
		for (int fd : clients)
			close(fd);
		for (int fd : servers)
			close(fd);
		self.report(1);
		self.wait_proceed();
		return 0;
	});
	return child;
}

/* A snapshot handler held until released, from the next snapshot on. */
class HandlerStall
{
public:
	struct ReleaseOnExit {
		HandlerStall &stall;
		~ReleaseOnExit() { stall.release(); }
	};

	/* Called by the handler. */
	void hold_if_wanted()
	{
		std::unique_lock lock(mutex_);
		if (!wanted_)
			return;
		holding_ = true;
		changed_.notify_all();
		changed_.wait(lock, [this] { return !wanted_; });
	}

	/* Returns once the handler is held. */
	void engage()
	{
		std::unique_lock lock(mutex_);
		wanted_ = true;
		changed_.wait(lock, [this] { return holding_; });
	}

	void release()
	{
		std::lock_guard lock(mutex_);
		wanted_ = false;
		changed_.notify_all();
	}

private:
	std::mutex mutex_;
	std::condition_variable changed_;
	bool wanted_ = false;
	bool holding_ = false;
};

/* What the snapshots said about the burst's connections, and every loss. */
struct Account {
	std::mutex mutex;
	/* Closed records per socket cookie: each must come exactly once. */
	std::map<std::uint64_t, int> closed;
	std::size_t wrong_totals = 0;
	std::uint64_t evicted = 0;
	std::uint64_t events_dropped = 0;
	std::uint64_t udp_losses = 0;
	/* Kernel program runs skipped: each may be a lost close, or not. */
	std::uint64_t runs_missed = 0;
	std::uint64_t coalesced = 0;
	/* When the interval that a coalesced snapshot covers began. */
	std::uint64_t coalesced_since_ns = 0;

	std::uint64_t accounted() const
	{
		return closed.size() + evicted + events_dropped + udp_losses;
	}

	/*
	 * Delivered plus counted as lost is what existed, exactly; only a run
	 * the kernel skipped (program_runs_missed) may stand for a connection
	 * neither delivered nor counted, and then it is the only gap.
	 */
	void check_adds_up(std::uint64_t existed) const
	{
		INFO("delivered " << closed.size() << ", evicted " << evicted << ", dropped "
				  << events_dropped << ", kernel runs missed " << runs_missed);
		if (runs_missed == 0) {
			CHECK(accounted() == existed);
		} else {
			MESSAGE("the kernel skipped " << runs_missed << " program runs");
			CHECK(accounted() <= existed);
			CHECK(accounted() + runs_missed >= existed);
		}
		CHECK(wrong_totals == 0);
		for (const auto &[cookie, times] : closed)
			CHECK(times == 1);
	}

	void add(const Snapshot &snapshot, std::uint16_t port)
	{
		std::lock_guard lock(mutex);
		for (const ConnectionRecord &record : by_port(snapshot, tcptop::Protocol::tcp, port)) {
			if (!record.closed)
				continue;
			++closed[record.socket_cookie];
			bool server = record.local_port == port;
			std::uint64_t sent = server ? reply_bytes : request_bytes;
			std::uint64_t received = server ? request_bytes : reply_bytes;
			if (record.bytes_sent != sent || record.bytes_received != received)
				++wrong_totals;
		}
		evicted += snapshot.stats.connections_evicted;
		events_dropped += snapshot.stats.events_dropped;
		udp_losses += snapshot.stats.udp_datagrams_untracked +
			      snapshot.stats.udp_datagrams_unparsed;
		runs_missed += snapshot.stats.program_runs_missed;
		if (snapshot.stats.snapshots_coalesced) {
			coalesced += snapshot.stats.snapshots_coalesced;
			coalesced_since_ns = snapshot.timestamp_ns - snapshot.interval_ns;
		}
	}
};

/*
 * Wait until the burst's sockets are all delivered or counted as lost,
 * then for one more snapshot: what a skipped run stands for is never
 * counted, so the wait cannot tell the last close apart from a lost one.
 */
void wait_for_account(Watcher &watcher, Account &account, std::uint64_t expected)
{
	auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(30));
	for (;;) {
		{
			std::lock_guard lock(account.mutex);
			if (account.accounted() + account.runs_missed >= expected)
				break;
		}
		if (std::chrono::steady_clock::now() > deadline)
			break;
		watcher.snapshot_after(wall_now_ns(), scaled_ms(5000));
	}
	watcher.fresh_snapshot();
}

/*
 * What the kernel side counted as lost to a full ring buffer, read straight
 * from this process's own drop_counters map (one collector runs here), not
 * through the library.
 */
std::uint64_t ring_buffer_full_count_in_kernel()
{
	std::uint64_t total = 0;
	int maps_found = 0;
	DIR *fds = opendir("/proc/self/fd");
	REQUIRE(fds);
	while (dirent *entry = readdir(fds)) {
		char link[64] = {};
		std::string path = std::string("/proc/self/fd/") + entry->d_name;
		if (readlink(path.c_str(), link, sizeof(link) - 1) < 0 ||
		    std::string_view(link) != "anon_inode:bpf-map")
			continue;
		int fd = std::atoi(entry->d_name);
		bpf_map_info info{};
		__u32 length = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0 ||
		    std::string_view(info.name) != "drop_counters")
			continue;
		std::vector<__u64> per_cpu(static_cast<std::size_t>(libbpf_num_possible_cpus()));
		__u32 key = TCPTOP_DROP_RINGBUF_FULL;
		REQUIRE(bpf_map_lookup_elem(fd, &key, per_cpu.data()) == 0);
		for (__u64 value : per_cpu)
			total += value;
		++maps_found;
	}
	closedir(fds);
	REQUIRE(maps_found == 1);
	return total;
}

} // namespace

TEST_CASE("loss accounting: a full table and a stalled consumer: delivered + evicted = existed" * doctest::test_suite("ebpf_only"))
{
	constexpr std::size_t max_connections = 512;
	const auto interval = scaled(std::chrono::milliseconds(300));
	std::unique_ptr<Child> burst = start_burst();
	auto port = static_cast<std::uint16_t>(burst->next_report());

	Account account;
	HandlerStall stall;
	tcptop::Options options;
	options.interval = interval;
	options.protocols.udp = false;
	options.port = port;
	options.max_connections = max_connections;
	Watcher watcher(options, [&](const Snapshot &snapshot) {
		account.add(snapshot, port);
		stall.hold_if_wanted();
	});
	/* Destroyed before the watcher, whose stop() waits for the handler:
	 * a failed REQUIRE below must not leave the handler held. */
	HandlerStall::ReleaseOnExit release_on_exit{stall};
	watcher.fresh_snapshot();

	stall.engage();
	/* Two more snapshots queue up behind the stalled handler; from the
	 * third on, the collector folds the intervals into one snapshot. */
	std::this_thread::sleep_for(interval * 5 / 2);
	std::uint64_t burst_started = wall_now_ns();
	burst->proceed();
	REQUIRE(burst->next_report(scaled_ms(120000)) == 1);
	std::this_thread::sleep_for(interval * 3 / 2);
	stall.release();

	wait_for_account(watcher, account, 2 * burst_connections);
	std::lock_guard lock(account.mutex);
	CHECK(account.coalesced >= 1);
	/* One coalesced snapshot covered the whole burst. */
	CHECK(account.coalesced_since_ns < burst_started);
	account.check_adds_up(2 * burst_connections);
	CHECK(account.closed.size() == max_connections);
	CHECK(account.events_dropped == 0);
}

TEST_CASE("loss accounting: a one-page ring buffer drops what the kernel side counted, no more" * doctest::test_suite("ebpf_only"))
{
	/* The smallest ring buffer (one page): a few closes fill it. */
	tcptop::EbpfOptions ebpf;
	ebpf.event_buffer_bytes = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	/* Long enough that no walk of live sockets falls inside the burst: a
	 * connection is then known only by its close, and one whose close is
	 * lost is lost, not closed for being absent from a walk. */
	const auto interval = scaled(std::chrono::milliseconds(2500));
	std::unique_ptr<Child> burst = start_burst();
	auto port = static_cast<std::uint16_t>(burst->next_report());

	Account account;
	tcptop::Options options;
	options.interval = interval;
	options.protocols.udp = false;
	options.port = port;
	Watcher watcher(options, [&](const Snapshot &snapshot) { account.add(snapshot, port); }, ebpf);

	Snapshot before = watcher.fresh_snapshot();
	burst->proceed();
	REQUIRE(burst->next_report(scaled_ms(120000)) == 1);
	std::uint64_t burst_ended = wall_now_ns();
	std::uint64_t next_tick = before.timestamp_ns - before.stats.collection_ns +
				  static_cast<std::uint64_t>(std::chrono::nanoseconds(interval).count());
	REQUIRE_MESSAGE(burst_ended < next_tick, "the burst outlasted an interval: no exact count");

	wait_for_account(watcher, account, 2 * burst_connections);
	/* The burst was over before the last snapshot was made: nothing
	 * was dropped since. */
	std::uint64_t lost_in_kernel = ring_buffer_full_count_in_kernel();
	std::lock_guard lock(account.mutex);
	CHECK(account.events_dropped > 0);
	CHECK(account.events_dropped == lost_in_kernel);
	account.check_adds_up(2 * burst_connections);
	CHECK(account.evicted == 0);
}
