// SPDX-License-Identifier: MIT
// EbpfSource: the eBPF collector's Source, reading the kernel programs' output in every network namespace.
#include "linux/ebpf/ebpf_source.h"

#include <string>
#include <variant>

#include "core/clock.h"
#include "linux/privileges.h"

namespace tcptop::linux_impl {

namespace {

/* Overloads for std::visit over a DecodedEvent. */
template<typename... Visitors>
struct Overloaded : Visitors... {
	using Visitors::operator()...;
};
/* Spelled out for clang 14 (the fuzzing build), which does not deduce an
 * aggregate's template arguments by itself. */
template<typename... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

FeatureStatus other_namespaces_status()
{
	if (can_enter_other_namespaces())
		return {Feature::other_namespaces, true, "iterators run in each namespace (setns)", {}};
	return {Feature::other_namespaces, false, {},
		"missing CAP_SYS_ADMIN (setns): only this namespace's live sockets are walked; "
		"closes are seen in every namespace"};
}

} // namespace

std::unique_ptr<Source> EbpfSource::open(const Options &options, const EbpfOptions &ebpf,
					 std::error_code &code, Diagnostics &diagnostics)
{
	bool cgroup_hooks = options.protocols.udp && ebpf.hook_kinds.cgroup;
	if ((code = check_privileges(cgroup_hooks, diagnostics)))
		return nullptr;

	BpfSession::Config config;
	config.request = {options.protocols.tcp, options.protocols.udp, ebpf.hook_kinds};
	config.max_udp_flows = ebpf.max_udp_flows ? ebpf.max_udp_flows : options.max_connections;
	config.event_buffer_bytes =
		ebpf.event_buffer_bytes ? ebpf.event_buffer_bytes : default_event_buffer_bytes;
	std::unique_ptr<BpfSession> session = BpfSession::open(config, code, diagnostics);
	if (!session)
		return nullptr;
	std::vector<FeatureStatus> features = session->features();
	features.push_back(other_namespaces_status());
	try {
		return std::unique_ptr<Source>(new EbpfSource(std::move(session), std::move(features)));
	} catch (const std::system_error &error) {
		code = Errc::system_failure;
		diagnostics.message = error.what();
		return nullptr;
	}
}

EbpfSource::EbpfSource(std::unique_ptr<BpfSession> session, std::vector<FeatureStatus> features)
	: session_(std::move(session)),
	  reader_(*session_),
	  decoder_(static_cast<std::int64_t>(clock_ns(CLOCK_REALTIME)) -
		   static_cast<std::int64_t>(clock_ns(CLOCK_MONOTONIC))),
	  features_(std::move(features))
{
}

void EbpfSource::consume_event(Bytes event, ReadingSink &sink)
{
	std::visit(Overloaded{
			   [](std::monostate) {},
			   [&](const TcpClosed &closed) {
				   sink.closed(closed.connection.key, closed.connection.record);
			   },
			   [&](const UdpReleased &released) {
				   /* Its flows are read, with final totals, at the next collect. */
				   released_udp_sockets_[released.socket.cookie] = released.socket;
			   },
			   [&](const OwnerLearned &learned) {
				   sink.owner_learned(learned.cookie, learned.owner);
			   },
		   },
		   decoder_.event(event));
}

void EbpfSource::read_events(std::chrono::milliseconds timeout, ReadingSink &sink)
{
	reader_.poll_events(timeout, [&](Bytes event) { consume_event(event, sink); });
}

CompleteWalks EbpfSource::collect(ReadingSink &sink)
{
	namespaces_.refresh();
	bool tcp_complete = collect_tcp(sink);
	collect_udp(sink);
	/* UDP flows are closed by their socket's release, never by absence. */
	return {tcp_complete, false};
}

bool EbpfSource::collect_tcp(ReadingSink &sink)
{
	bool complete = true;
	namespaces_.for_each([&] {
		std::optional<std::vector<std::byte>> sockets =
			reader_.run_iterator(session_->tcp_iterator());
		if (!sockets) {
			complete = false;
			return;
		}
		decoder_.each_tcp_socket(*sockets, [&](const DecodedConnection &live) {
			sink.live(live.key, live.record);
		});
	});
	/* Events after the walk: a socket that closed before the walk has its
	 * close event in the ring buffer by now, so the loop closes nothing
	 * that is missing from the walk without its final totals. */
	read_events(std::chrono::milliseconds(0), sink);
	return complete;
}

void EbpfSource::collect_udp(ReadingSink &sink)
{
	if (!session_->udp_iterator())
		return;
	UdpSocketsByCookie sockets;
	namespaces_.for_each([&] {
		std::optional<std::vector<std::byte>> walked =
			reader_.run_iterator(session_->udp_iterator());
		if (!walked)
			return;
		for (DecodedUdpSocket &socket : decoder_.udp_sockets(*walked))
			sockets[socket.cookie] = std::move(socket);
	});
	/* A socket released after the walk above is taken from its event,
	 * which has the final totals. */
	for (auto &[cookie, socket] : released_udp_sockets_)
		sockets[cookie] = std::move(socket);
	released_udp_sockets_.clear();

	MapEntries entries = reader_.udp_flows();
	std::vector<DecodedConnection> hashed;
	hashed.reserve(entries.size());
	for (std::size_t i = 0; i < entries.size(); ++i) {
		std::optional<DecodedConnection> flow = decoder_.udp_flow(entries.key(i), entries.value(i));
		if (!flow)
			continue;
		/* A released socket's flows are read here for the last time. */
		auto socket = sockets.find(flow->key.socket_cookie);
		if (socket != sockets.end() && socket->second.closed)
			reader_.forget_udp_flow(entries.key(i));
		hashed.push_back(std::move(*flow));
	}

	for (const DecodedConnection &flow : assemble_udp_flows(std::move(hashed), sockets)) {
		if (flow.record.closed)
			sink.closed(flow.key, flow.record);
		else
			sink.live(flow.key, flow.record);
	}
}

std::optional<OwnersByCookie>
EbpfSource::find_owners(const std::unordered_set<std::uint64_t> &cookies)
{
	if (!session_->owner_iterator())
		return std::nullopt;
	std::optional<std::vector<std::byte>> found = reader_.run_iterator(session_->owner_iterator());
	if (!found)
		return std::nullopt;
	return decoder_.socket_owners(*found, cookies);
}

SourceCounters EbpfSource::counters()
{
	SourceCounters counters = decoder_.drop_counts(reader_.drop_counters());
	counters.events = reader_.events_total();
	counters.program_runs_missed = reader_.program_runs_missed();
	return counters;
}

} // namespace tcptop::linux_impl
