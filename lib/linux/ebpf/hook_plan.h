// SPDX-License-Identifier: MIT
// HookPlan: which program groups to load, from what was asked, what the kernel offers and what it refused.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tcptop/ebpf_collector.h>
#include <tcptop/features.h>

#include "linux/ebpf/kernel_probe.h"

namespace tcptop::linux_impl {

/// Programs that only work together; each group provides one or two Features.
enum class ProgramGroup : std::uint8_t {
	tcp_walk,   ///< iter/tcp: tcp_counters
	tcp_state,  ///< tp_btf/inet_sock_set_state: tcp_lifecycle
	udp_cgroup, ///< cgroup_skb, cgroup/sock_*, iter/udp: udp_counters and udp_lifecycle
	udp_fentry, ///< fentry on the UDP functions, iter/udp: the same, as the fallback
	owner_scan, ///< iter/task_file: socket_owners
};

/// What the caller asked for, as far as hooks are concerned.
struct PlanRequest {
	bool tcp = true;
	bool udp = true;
	HookKinds hook_kinds;
};

/// Why a group cannot run here, learned while a plan was realized (a
/// program the verifier refused, an attach that failed, no cgroup root):
/// one line each, naming the program or hook.
using Refusals = std::map<ProgramGroup, std::string>;

/// Where the cgroup programs are attached, for the feature report.
struct CgroupPlace {
	std::string where;
	bool private_mount = false;
};

/**
 * \brief The groups to load: what was asked for and the kernel offers,
 * minus what it refused, with the UDP fallback when the first choice is
 * refused. No I/O: realizing a plan may refuse more, and the caller plans
 * again with those refusals until a plan runs.
 */
std::vector<ProgramGroup> plan_groups(const PlanRequest &request, const KernelOffer &offer,
				      const Refusals &refused);

/// What the kernel lacks for \p group (per \p offer; trampolines for
/// udp_fentry are not in it: probe_udp_fentry() tells), or nullopt.
std::optional<std::string> kernel_lacks(ProgramGroup group, const KernelOffer &offer);

/// Whether \p plan collects anything: counters of either protocol, or TCP closes.
bool collects_anything(const std::vector<ProgramGroup> &plan);

/// Every Feature but other_namespaces: through which hooks \p plan provides
/// it, or why it cannot (not asked for, missing in the kernel, refused).
std::vector<FeatureStatus> describe_features(const PlanRequest &request, const KernelOffer &offer,
					     const Refusals &refused,
					     const std::vector<ProgramGroup> &plan,
					     const CgroupPlace &cgroup);

/// The start error when nothing asked for can be collected: each reason.
std::string nothing_to_collect(const std::vector<FeatureStatus> &features);

} // namespace tcptop::linux_impl
