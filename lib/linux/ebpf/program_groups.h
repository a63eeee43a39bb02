// SPDX-License-Identifier: MIT
// Which programs of the skeleton make up each ProgramGroup.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "linux/ebpf/hook_plan.h"

struct tcptop_bpf;
struct bpf_program;

namespace tcptop::linux_impl {

/// Every ProgramGroup, in the order plans list them.
inline constexpr ProgramGroup all_program_groups[] = {
	ProgramGroup::tcp_walk,   ProgramGroup::tcp_state,  ProgramGroup::udp_cgroup,
	ProgramGroup::udp_fentry, ProgramGroup::owner_scan,
};

/// The programs of \p group in \p skeleton; iter/udp is in both UDP groups.
std::vector<bpf_program *> programs_of(const tcptop_bpf *skeleton, ProgramGroup group);

/// The first group of \p among that has a program named \p program.
std::optional<ProgramGroup> group_of(const tcptop_bpf *skeleton,
				     const std::vector<ProgramGroup> &among, std::string_view program);

} // namespace tcptop::linux_impl
