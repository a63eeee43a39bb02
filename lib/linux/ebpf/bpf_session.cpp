// SPDX-License-Identifier: MIT
// BpfSession: the collector's BPF programs loaded and attached as a plan says, until destroyed.
#include "linux/ebpf/bpf_session.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <unistd.h>

#include <bpf/libbpf.h>

#include "linux/cgroup_root.h"
#include "linux/ebpf/kernel_probe.h"
#include "linux/ebpf/program_groups.h"
#include "linux/ebpf/skeleton_loader.h"
#include "bpf/tcptop.skel.h"

namespace tcptop::linux_impl {

namespace {

std::error_code fail(Diagnostics &diagnostics, Errc code, std::string message)
{
	diagnostics.message = std::move(message);
	return code;
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

std::unique_ptr<BpfSession> BpfSession::open(const Config &config, std::error_code &code,
					     Diagnostics &diagnostics)
{
	if (std::string missing = vmlinux_btf_missing(); !missing.empty()) {
		code = fail(diagnostics, Errc::kernel_unsupported, missing);
		return nullptr;
	}

	const PlanRequest &request = config.request;
	const KernelOffer offer = probe_kernel();
	std::unique_ptr<BpfSession> session(new BpfSession());
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

std::optional<BpfSession::Refusal> BpfSession::realize(const std::vector<ProgramGroup> &plan,
							  const Config &config, std::error_code &code,
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
		/* Preallocated: without UDP, its memory and the time to fill it are saved. */
		std::size_t udp_flows = config.request.udp ? config.max_udp_flows : 1;
		bpf_map__set_max_entries(skel->maps.udp_flows,
			static_cast<__u32>(std::max<std::size_t>(udp_flows, 1)));
		bpf_map__set_max_entries(skel->maps.events,
			static_cast<__u32>(config.event_buffer_bytes));
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
			code = fail(diagnostics, Errc::kernel_refused,
				    "the kernel refused the BPF object: " + load.reason);
		return std::nullopt;
	}
	skeleton_ = load.skeleton;

	return attach(plan);
}

std::optional<BpfSession::Refusal> BpfSession::attach(const std::vector<ProgramGroup> &plan)
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

void BpfSession::unload()
{
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

BpfSession::~BpfSession()
{
	unload();
	if (cgroup_fd_ >= 0)
		close(cgroup_fd_);
}

bpf_map *BpfSession::event_ring() const
{
	return skeleton_->maps.events;
}

bpf_map *BpfSession::udp_flow_map() const
{
	return skeleton_->maps.udp_flows;
}

bpf_map *BpfSession::drop_counter_map() const
{
	return skeleton_->maps.drop_counters;
}

std::vector<int> BpfSession::loaded_programs() const
{
	std::vector<int> fds;
	bpf_program *program;
	bpf_object__for_each_program(program, skeleton_->obj) {
		if (int fd = bpf_program__fd(program); fd >= 0)
			fds.push_back(fd);
	}
	return fds;
}

} // namespace tcptop::linux_impl
