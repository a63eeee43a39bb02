// SPDX-License-Identifier: MIT
// EbpfCollector: the Linux NetworkCollector, driving a KernelSession from its own thread.
#include "ebpf_collector.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>

#include "../options_check.h"
#include "network_namespaces.h"
#include "privileges.h"

namespace tcptop::linux_impl {

namespace {

using Clock = std::chrono::steady_clock;

/* How long the thread may wait for kernel events before it looks at the
 * clock and the stop flag again: bounds how long stop() takes. */
constexpr std::chrono::milliseconds poll_slice{50};

std::uint64_t clock_ns(clockid_t clock)
{
	timespec now{};
	clock_gettime(clock, &now);
	return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
	       static_cast<std::uint64_t>(now.tv_nsec);
}

std::uint64_t wall_now_ns()
{
	return clock_ns(CLOCK_REALTIME);
}

} // namespace

struct EbpfCollector::Collection {
	Collection(const Options &options, std::unique_ptr<KernelSession> kernel,
		   std::shared_ptr<SnapshotChannel> channel)
		: options(options),
		  kernel(std::move(kernel)),
		  channel(std::move(channel)),
		  decoder(static_cast<std::int64_t>(clock_ns(CLOCK_REALTIME)) -
			  static_cast<std::int64_t>(clock_ns(CLOCK_MONOTONIC))),
		  table(options.max_connections, wall_now_ns())
	{
	}

	void consume_event(const void *data, std::size_t size);
	void collect_tcp();
	void collect_udp();
	void learn_owners();
	void make_snapshot();

	const Options options;
	std::unique_ptr<KernelSession> kernel;
	std::shared_ptr<SnapshotChannel> channel;
	RecordDecoder decoder;
	ConnectionTable table;
	NetworkNamespaces namespaces;

	/* UDP sockets by cookie, from the last iter/udp pass and the release
	 * events read since. */
	UdpSocketsByCookie udp_sockets;
	/* UDP sockets released since their flows were last read. */
	UdpSocketsByCookie released_udp_sockets;
	/* Sockets the owner scan already looked for, so that one that no
	 * process holds does not make every interval walk all files. */
	std::unordered_set<std::uint64_t> owner_scan_tried;
	/* What the last scan found of those: a UDP socket's flows appear one
	 * by one, and each later one takes its owner from here. */
	std::unordered_map<std::uint64_t, ConnectionRecord> owners_found;

	std::uint64_t events_since_commit = 0;
	std::uint64_t drops_at_commit = 0;
	std::uint64_t coalesced_since_commit = 0;
};

void EbpfCollector::Collection::consume_event(const void *data, std::size_t size)
{
	std::uint32_t kind = 0;
	if (size < sizeof(kind))
		return;
	std::memcpy(&kind, data, sizeof(kind));
	++events_since_commit;

	std::uint64_t now = wall_now_ns();
	if (kind == TCPTOP_EVENT_TCP_CLOSED && size >= sizeof(tcptop_tcp_record)) {
		tcptop_tcp_record raw;
		std::memcpy(&raw, data, sizeof(raw));
		DecodedConnection closed = decoder.tcp(raw);
		table.observe_close(closed.key, closed.record, now);
	} else if (kind == TCPTOP_EVENT_UDP_RELEASED && size >= sizeof(tcptop_udp_socket)) {
		tcptop_udp_socket raw;
		std::memcpy(&raw, data, sizeof(raw));
		released_udp_sockets[raw.cookie] = raw;
	} else if (kind == TCPTOP_EVENT_OWNER_LEARNED && size >= sizeof(tcptop_owner_record)) {
		tcptop_owner_record raw;
		std::memcpy(&raw, data, sizeof(raw));
		table.apply_owner(raw.cookie, decoder.owner(raw.owner));
	}
}

void EbpfCollector::Collection::collect_tcp()
{
	bool complete = true;

	table.begin_pass();
	namespaces.for_each([&] {
		std::optional<std::vector<tcptop_tcp_record>> sockets = kernel->read_tcp_sockets();
		std::uint64_t now = wall_now_ns();
		if (!sockets) {
			complete = false;
			return;
		}
		for (const tcptop_tcp_record &raw : *sockets) {
			DecodedConnection live = decoder.tcp(raw);
			table.observe(live.key, live.record, now);
		}
	});
	/* Events after the walk: a socket that closed before the walk has its
	 * close event in the ring buffer by now, so nothing is closed twice. */
	kernel->poll_events(0, [this](const void *data, std::size_t size) {
		consume_event(data, size);
	});
	if (complete)
		table.close_unseen(Protocol::tcp, wall_now_ns());
}

void EbpfCollector::Collection::collect_udp()
{
	if (!kernel->counts_udp())
		return;
	udp_sockets.clear();
	namespaces.for_each([&] {
		if (std::optional<std::vector<tcptop_udp_socket>> sockets = kernel->read_udp_sockets()) {
			for (const tcptop_udp_socket &socket : *sockets)
				udp_sockets[socket.cookie] = socket;
		}
	});

	/* A socket released after the walk above is taken from its event,
	 * which has the final totals. */
	for (const auto &[cookie, socket] : released_udp_sockets)
		udp_sockets[cookie] = socket;

	std::uint64_t now = wall_now_ns();
	for (const UdpFlow &flow : merge_udp_flows(kernel->read_udp_flows(), udp_sockets)) {
		auto owner = udp_sockets.find(flow.key.cookie);
		const tcptop_udp_socket *socket = owner != udp_sockets.end() ? &owner->second : nullptr;
		DecodedConnection decoded = decoder.udp_flow(flow.key, flow.counters, socket);
		if (decoded.record.closed) {
			table.observe_close(decoded.key, decoded.record, now);
			kernel->forget_udp_flow(flow.key);
		} else {
			table.observe(decoded.key, decoded.record, now);
		}
	}
	/* The released sockets' flows were all read above: final totals. */
	released_udp_sockets.clear();
}

void EbpfCollector::Collection::learn_owners()
{
	std::vector<std::uint64_t> unknown = table.cookies_without_owner();
	bool anything_new = std::any_of(unknown.begin(), unknown.end(), [this](std::uint64_t cookie) {
		return !owners_found.contains(cookie) && !owner_scan_tried.contains(cookie);
	});
	if (anything_new) {
		owner_scan_tried = std::unordered_set<std::uint64_t>(unknown.begin(), unknown.end());
		if (std::optional<std::vector<tcptop_owner_record>> owners = kernel->scan_socket_owners()) {
			/* The scan lists every socket of every process; only those
			 * asked for are kept, so this stays as small as the table. */
			owners_found.clear();
			for (const tcptop_owner_record &found : *owners) {
				if (owner_scan_tried.contains(found.cookie))
					owners_found.emplace(found.cookie, decoder.owner(found.owner));
			}
		}
	}
	if (!unknown.empty())
		table.apply_owners(owners_found);
}

void EbpfCollector::Collection::make_snapshot()
{
	std::uint64_t now = wall_now_ns();
	std::uint64_t drops = kernel->drops_total();
	auto snapshot = std::make_unique<Snapshot>(table.snapshot(now, options));

	snapshot->stats.events = events_since_commit;
	snapshot->stats.events_dropped = drops - drops_at_commit;
	snapshot->stats.snapshots_coalesced = coalesced_since_commit;
	if (!channel->offer(snapshot)) {
		/* The consumer is behind: keep everything for the next snapshot. */
		++coalesced_since_commit;
		return;
	}
	table.commit(now);
	events_since_commit = 0;
	drops_at_commit = drops;
	coalesced_since_commit = 0;
}

void EbpfCollector::run(Collection &collection, const std::atomic<bool> &stop_requested)
{
	auto consume = [&collection](const void *data, std::size_t size) {
		collection.consume_event(data, size);
	};
	Clock::time_point next_tick = Clock::now() + collection.options.interval;

	while (!stop_requested.load(std::memory_order_acquire)) {
		Clock::time_point now = Clock::now();
		if (now < next_tick) {
			auto wait = std::min<Clock::duration>(next_tick - now, poll_slice);
			collection.kernel->poll_events(
				static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count()),
				consume);
			continue;
		}
		collection.namespaces.refresh();
		collection.collect_tcp();
		collection.collect_udp();
		collection.learn_owners();
		collection.make_snapshot();
		next_tick += collection.options.interval;
		/* After a stall (a suspended machine), do not fire a burst. */
		if (next_tick < Clock::now())
			next_tick = Clock::now() + collection.options.interval;
	}
}

EbpfCollector::EbpfCollector(const Options &options) : options_(options) {}

EbpfCollector::~EbpfCollector()
{
	stop();
}

void EbpfCollector::start(boost::asio::any_io_executor executor, SnapshotHandler handler)
{
	Diagnostics diagnostics;
	if (std::error_code code = start(std::move(executor), std::move(handler), diagnostics))
		throw Error(code, diagnostics.message);
}

std::error_code EbpfCollector::start(boost::asio::any_io_executor executor,
				     SnapshotHandler handler, Diagnostics &diagnostics) noexcept
try {
	if (collection_) {
		diagnostics.message = "collector already started: call stop() first";
		return Errc::already_started;
	}
	if (!handler) {
		diagnostics.message = "invalid argument handler: empty function";
		return Errc::invalid_option;
	}
	bool cgroup_hooks = options_.protocols.udp && options_.hook_kinds.cgroup;
	if (std::error_code code = check_privileges(cgroup_hooks, diagnostics))
		return code;

	KernelSession::Config config;
	config.request = {options_.protocols.tcp, options_.protocols.udp, options_.hook_kinds};
	config.max_udp_flows = options_.max_connections;
	std::error_code code;
	std::unique_ptr<KernelSession> kernel = KernelSession::open(config, code, diagnostics);
	if (!kernel)
		return code;
	std::vector<FeatureStatus> features = kernel->features();
	features.push_back(can_enter_other_namespaces()
		? FeatureStatus{Feature::other_namespaces, true, "iterators run in each namespace (setns)", {}}
		: FeatureStatus{Feature::other_namespaces, false, {},
				"missing CAP_SYS_ADMIN (setns): only this namespace's live sockets are "
				"walked; closes are seen in every namespace"});

	channel_ = std::make_shared<SnapshotChannel>(std::move(executor), std::move(handler));
	collection_ = std::make_unique<Collection>(options_, std::move(kernel), channel_);
	features_ = std::move(features);
	stop_requested_.store(false);
	worker_ = std::thread(&EbpfCollector::run, std::ref(*collection_), std::cref(stop_requested_));
	return {};
} catch (const std::bad_alloc &) {
	diagnostics.message = "out of memory while starting the collector";
	return std::make_error_code(std::errc::not_enough_memory);
} catch (const std::system_error &error) {
	diagnostics.message = std::string("cannot start the collector thread: ") + error.what();
	return Errc::system_failure;
}

void EbpfCollector::stop() noexcept
{
	stop_requested_.store(true, std::memory_order_release);
	if (worker_.joinable())
		worker_.join();
	if (channel_)
		channel_->close();
	/* Detaches every hook: the kernel side is gone when this returns. */
	collection_.reset();
	channel_.reset();
}

bool EbpfCollector::running() const noexcept
{
	return collection_ != nullptr;
}

std::vector<FeatureStatus> EbpfCollector::features() const
{
	return features_;
}

} // namespace tcptop::linux_impl

namespace tcptop {

std::unique_ptr<NetworkCollector> make_ebpf_collector(const Options &options)
{
	std::error_code code;
	Diagnostics diagnostics;
	std::unique_ptr<NetworkCollector> collector = make_ebpf_collector(options, code, diagnostics);
	if (!collector)
		throw Error(code, diagnostics.message);
	return collector;
}

std::unique_ptr<NetworkCollector> make_ebpf_collector(const Options &options,
						      std::error_code &code,
						      Diagnostics &diagnostics) noexcept
try {
	code = check_options(options, diagnostics);
	if (code)
		return nullptr;
	return std::make_unique<linux_impl::EbpfCollector>(options);
} catch (const std::bad_alloc &) {
	code = std::make_error_code(std::errc::not_enough_memory);
	diagnostics.message = "out of memory";
	return nullptr;
}

} // namespace tcptop
