// SPDX-License-Identifier: MIT
// Which programs of the skeleton make up each ProgramGroup.
#include "linux/ebpf/program_groups.h"

#include <bpf/libbpf.h>

#include "bpf/tcptop.skel.h"

namespace tcptop::linux_impl {

std::vector<bpf_program *> programs_of(const tcptop_bpf *skeleton, ProgramGroup group)
{
	const auto &progs = skeleton->progs;
	switch (group) {
	case ProgramGroup::tcp_walk:
		return {progs.tcp_dump};
	case ProgramGroup::tcp_state:
		return {progs.tcp_state_change, progs.tcp_closed};
	case ProgramGroup::udp_cgroup:
		return {progs.udp_egress, progs.udp_ingress, progs.sock_created, progs.sock_released,
			progs.udp_dump};
	case ProgramGroup::udp_fentry:
		return {progs.udp_send_ipv4, progs.udp_send_ipv6, progs.udp_receive, progs.udp_release,
			progs.udp_dump};
	case ProgramGroup::owner_scan:
		return {progs.socket_owner_scan};
	}
	return {};
}

std::optional<ProgramGroup> group_of(const tcptop_bpf *skeleton,
				     const std::vector<ProgramGroup> &among, std::string_view program)
{
	for (ProgramGroup group : among) {
		for (const bpf_program *candidate : programs_of(skeleton, group))
			if (program == bpf_program__name(candidate))
				return group;
	}
	return std::nullopt;
}

} // namespace tcptop::linux_impl
