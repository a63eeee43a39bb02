// SPDX-License-Identifier: MIT
// check_ebpf_programs(): each of the collector's programs loaded on its own.
#include <tcptop/ebpf_programs.h>

#include <cstring>
#include <new>

#include <bpf/libbpf.h>

#include "linux/ebpf/kernel_probe.h"
#include "linux/ebpf/program_groups.h"
#include "linux/ebpf/skeleton_loader.h"
#include "linux/privileges.h"
#include "bpf/tcptop.skel.h"

namespace tcptop {

namespace {

using linux_impl::ProgramGroup;

/* Each program's name and hook, read from an opened (not loaded) skeleton. */
std::vector<ProgramCheck> list_programs(const tcptop_bpf *skeleton)
{
	std::vector<ProgramCheck> checks;
	bpf_program *program;
	bpf_object__for_each_program(program, skeleton->obj) {
		ProgramCheck &check = checks.emplace_back();
		check.name = bpf_program__name(program);
		check.hook = bpf_program__section_name(program);
	}
	return checks;
}

void check_offer(ProgramCheck &check, const tcptop_bpf *skeleton,
		 const linux_impl::KernelOffer &offer, const std::string &fentry_missing)
{
	std::vector<ProgramGroup> every(std::begin(linux_impl::all_program_groups),
					std::end(linux_impl::all_program_groups));
	std::optional<ProgramGroup> group = linux_impl::group_of(skeleton, every, check.name);
	std::optional<std::string> lacks =
		group ? linux_impl::kernel_lacks(*group, offer) : std::nullopt;
	if (!lacks && group == ProgramGroup::udp_fentry && !fentry_missing.empty())
		lacks = fentry_missing;
	check.offered = !lacks;
	check.missing = lacks.value_or("");
}

void load_alone(ProgramCheck &check)
{
	linux_impl::SkeletonLoad load = linux_impl::load_skeleton([&](tcptop_bpf *skeleton) {
		bpf_program *program;
		bpf_object__for_each_program(program, skeleton->obj)
			bpf_program__set_autoload(program, check.name == bpf_program__name(program));
	});
	check.loaded = load.loaded;
	check.reason = load.loaded ? std::string() : load.reason;
	tcptop_bpf__destroy(load.skeleton);
}

} // namespace

std::vector<ProgramCheck> check_ebpf_programs(std::error_code &code,
					      Diagnostics &diagnostics) noexcept
try {
	code.clear();
	if (std::string missing = linux_impl::vmlinux_btf_missing(); !missing.empty()) {
		diagnostics.message = missing;
		code = Errc::kernel_unsupported;
		return {};
	}
	if ((code = linux_impl::check_privileges(true, diagnostics)))
		return {};

	tcptop_bpf *skeleton = tcptop_bpf__open();
	if (!skeleton) {
		diagnostics.message = std::string("cannot open the BPF object: ") + std::strerror(errno);
		code = Errc::system_failure;
		return {};
	}
	const linux_impl::KernelOffer offer = linux_impl::probe_kernel();
	const std::string fentry_missing = linux_impl::probe_udp_fentry();
	std::vector<ProgramCheck> checks = list_programs(skeleton);
	for (ProgramCheck &check : checks)
		check_offer(check, skeleton, offer, fentry_missing);
	tcptop_bpf__destroy(skeleton);

	for (ProgramCheck &check : checks)
		load_alone(check);
	return checks;
} catch (const std::bad_alloc &) {
	diagnostics.message = "out of memory while checking the BPF programs";
	code = std::make_error_code(std::errc::not_enough_memory);
	return {};
}

} // namespace tcptop
