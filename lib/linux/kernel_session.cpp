// SPDX-License-Identifier: MIT
// KernelSession: the loaded BPF programs, their links, and reads from their maps.
#include "kernel_session.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup_root.h"
#include "kernel_probe.h"
#include "program_groups.h"
#include "skeleton_loader.h"
#include "tcptop.skel.h"

namespace tcptop::linux_impl {

namespace {

std::error_code fail(Diagnostics &diagnostics, Errc code, std::string message)
{
	diagnostics.message = std::move(message);
	return code;
}

template<typename Record>
std::optional<std::vector<Record>> run_iterator(bpf_link *link)
{
	if (!link)
		return std::vector<Record>{};
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return std::nullopt;

	std::vector<char> bytes;
	char chunk[64 * 1024];
	for (;;) {
		ssize_t length = read(fd, chunk, sizeof(chunk));
		if (length < 0 && errno == EINTR)
			continue;
		if (length < 0) {
			close(fd);
			return std::nullopt;
		}
		if (length == 0)
			break;
		bytes.insert(bytes.end(), chunk, chunk + length);
	}
	close(fd);

	std::vector<Record> records(bytes.size() / sizeof(Record));
	std::memcpy(records.data(), bytes.data(), records.size() * sizeof(Record));
	return records;
}

int on_ring_buffer_event(void *context, void *data, std::size_t size)
{
	/* The context is the session's pointer to the handler of the poll in progress. */
	auto *handler = *static_cast<const KernelSession::EventHandler *const *>(context);
	(*handler)(data, size);
	return 0;
}

bool planned(const std::vector<ProgramGroup> &plan, ProgramGroup group)
{
	return std::find(plan.begin(), plan.end(), group) != plan.end();
}

/* EPERM or EACCES from an attach after the privileges were checked: name
 * what the hook needs anyway, for an LSM or a container that forbids it. */
std::string attach_failure(const bpf_program *program, int error)
{
	std::string why = std::string("attaching ") + bpf_program__section_name(program) +
			  " failed: " + std::strerror(error);
	if (error == EPERM || error == EACCES)
		why += bpf_program__type(program) == BPF_PROG_TYPE_TRACING
			? " (it needs CAP_BPF and CAP_PERFMON)"
			: " (it needs CAP_NET_ADMIN besides CAP_BPF)";
	return why;
}

} // namespace

std::unique_ptr<KernelSession> KernelSession::open(const Config &config, std::error_code &code,
						   Diagnostics &diagnostics)
{
	if (std::string missing = vmlinux_btf_missing(); !missing.empty()) {
		code = fail(diagnostics, Errc::kernel_unsupported, missing);
		return nullptr;
	}

	const PlanRequest &request = config.request;
	const KernelOffer offer = probe_kernel();
	std::unique_ptr<KernelSession> session(new KernelSession());
	Refusals refused;
	/* Each pass runs its plan or refuses one more group: it ends. */
	for (;;) {
		std::vector<ProgramGroup> plan = plan_groups(request, offer, refused);
		if (!collects_anything(plan)) {
			code = fail(diagnostics, Errc::kernel_unsupported,
				    nothing_to_collect(describe_features(request, offer, refused, plan,
									 session->cgroup_place_)));
			return nullptr;
		}
		std::optional<Refusal> refusal = session->realize(plan, config, code, diagnostics);
		if (code)
			return nullptr;
		if (!refusal) {
			session->features_ =
				describe_features(request, offer, refused, plan, session->cgroup_place_);
			return session;
		}
		refused[refusal->group] = std::move(refusal->reason);
		session->unload();
	}
}

std::optional<KernelSession::Refusal> KernelSession::realize(const std::vector<ProgramGroup> &plan,
							     const Config &config,
							     std::error_code &code,
							     Diagnostics &diagnostics)
{
	if (planned(plan, ProgramGroup::udp_cgroup) && cgroup_fd_ < 0) {
		std::string missing;
		cgroup_fd_ = open_cgroup2_root(cgroup_place_.where, cgroup_place_.private_mount, missing);
		if (cgroup_fd_ < 0)
			return Refusal{ProgramGroup::udp_cgroup, missing};
	}
	/* Loading a trivial program tells whether trampolines attach here, far
	 * cheaper than a load of the whole object that fails at its end. */
	if (planned(plan, ProgramGroup::udp_fentry) && !fentry_probed_) {
		fentry_probed_ = true;
		if (std::string missing = probe_udp_fentry(); !missing.empty())
			return Refusal{ProgramGroup::udp_fentry, missing};
	}

	SkeletonLoad load = load_skeleton([&](tcptop_bpf *skel) {
		bpf_program *program;
		bpf_object__for_each_program(program, skel->obj)
			bpf_program__set_autoload(program, false);
		for (ProgramGroup group : plan)
			for (bpf_program *wanted : programs_of(skel, group))
				bpf_program__set_autoload(wanted, true);
		bpf_map__set_max_entries(skel->maps.udp_flows,
			static_cast<__u32>(std::max<std::size_t>(config.max_udp_flows, 1)));
	});
	if (!load.loaded) {
		std::optional<ProgramGroup> group =
			load.skeleton ? group_of(load.skeleton, plan, load.refused_program) : std::nullopt;
		tcptop_bpf__destroy(load.skeleton);
		if (group)
			return Refusal{*group, "program " + load.refused_program + " (" + load.refused_hook +
						       ") refused by the kernel: " + load.reason};
		/* Privileges were checked before loading, so EACCES is the
		 * verifier's refusal; EPERM is still privilege (lockdown, LSM). */
		if (load.error == EPERM)
			code = fail(diagnostics, Errc::missing_privilege,
				    "missing privilege: the kernel refused to load BPF programs (" +
					    load.reason + "); run as root, or grant CAP_BPF and CAP_PERFMON");
		else
			code = fail(diagnostics, Errc::bpf_load_failed,
				    "the kernel refused the BPF object: " + load.reason);
		return std::nullopt;
	}
	skeleton_ = load.skeleton;

	if (std::optional<Refusal> refusal = attach(plan))
		return refusal;
	events_ = ring_buffer__new(bpf_map__fd(skeleton_->maps.events), on_ring_buffer_event,
				   &event_handler_, nullptr);
	if (!events_)
		code = fail(diagnostics, Errc::system_failure,
			    std::string("cannot map the event ring buffer: ") + std::strerror(errno));
	return std::nullopt;
}

std::optional<KernelSession::Refusal> KernelSession::attach(const std::vector<ProgramGroup> &plan)
{
	for (ProgramGroup group : plan) {
		for (bpf_program *program : programs_of(skeleton_, group)) {
			bool iterator = bpf_program__expected_attach_type(program) == BPF_TRACE_ITER;
			bool tracing = bpf_program__type(program) == BPF_PROG_TYPE_TRACING;
			bpf_link *link = iterator ? bpf_program__attach_iter(program, nullptr)
					 : tracing ? bpf_program__attach(program)
						   : bpf_program__attach_cgroup(program, cgroup_fd_);
			if (!link)
				return Refusal{group, attach_failure(program, errno)};
			if (program == skeleton_->progs.tcp_dump)
				tcp_iterator_ = link;
			else if (program == skeleton_->progs.udp_dump)
				udp_iterator_ = link;
			else if (program == skeleton_->progs.socket_owner_scan)
				owner_iterator_ = link;
			else
				links_.push_back(link);
		}
	}
	return std::nullopt;
}

void KernelSession::unload()
{
	ring_buffer__free(events_);
	events_ = nullptr;
	for (bpf_link **link : {&tcp_iterator_, &udp_iterator_, &owner_iterator_}) {
		bpf_link__destroy(*link);
		*link = nullptr;
	}
	for (bpf_link *link : links_)
		bpf_link__destroy(link);
	links_.clear();
	tcptop_bpf__destroy(skeleton_);
	skeleton_ = nullptr;
}

KernelSession::~KernelSession()
{
	unload();
	if (cgroup_fd_ >= 0)
		close(cgroup_fd_);
}

std::optional<std::vector<tcptop_tcp_record>> KernelSession::read_tcp_sockets()
{
	return run_iterator<tcptop_tcp_record>(tcp_iterator_);
}

std::optional<std::vector<tcptop_udp_socket>> KernelSession::read_udp_sockets()
{
	return run_iterator<tcptop_udp_socket>(udp_iterator_);
}

std::optional<std::vector<tcptop_owner_record>> KernelSession::scan_socket_owners()
{
	return run_iterator<tcptop_owner_record>(owner_iterator_);
}

int KernelSession::poll_events(int timeout_ms, const EventHandler &handler)
{
	event_handler_ = &handler;
	int consumed = ring_buffer__poll(events_, timeout_ms);
	event_handler_ = nullptr;
	return consumed;
}

std::vector<UdpFlow> KernelSession::read_udp_flows()
{
	std::vector<UdpFlow> flows;
	if (!udp_iterator_)
		return flows;

	int fd = bpf_map__fd(skeleton_->maps.udp_flows);
	std::size_t limit = bpf_map__max_entries(skeleton_->maps.udp_flows);
	tcptop_udp_flow_key key{};
	tcptop_udp_flow_key next{};
	bool first = true;
	/* Bounded: nothing else deletes keys while we walk, but never trust a walk. */
	while (flows.size() < limit && bpf_map_get_next_key(fd, first ? nullptr : &key, &next) == 0) {
		first = false;
		key = next;
		UdpFlow flow{key, {}};
		if (bpf_map_lookup_elem(fd, &key, &flow.counters) == 0)
			flows.push_back(flow);
	}
	return flows;
}

void KernelSession::forget_udp_flow(const tcptop_udp_flow_key &key)
{
	bpf_map_delete_elem(bpf_map__fd(skeleton_->maps.udp_flows), &key);
}

std::uint64_t KernelSession::drops_total()
{
	int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0)
		return 0;

	std::vector<__u64> per_cpu(static_cast<std::size_t>(cpus));
	std::uint64_t total = 0;
	int fd = bpf_map__fd(skeleton_->maps.drop_counters);
	for (__u32 counter = 0; counter < TCPTOP_DROP_COUNTER_COUNT; ++counter) {
		if (bpf_map_lookup_elem(fd, &counter, per_cpu.data()) != 0)
			continue;
		for (__u64 value : per_cpu)
			total += value;
	}
	return total;
}

} // namespace tcptop::linux_impl
