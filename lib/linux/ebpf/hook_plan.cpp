// SPDX-License-Identifier: MIT
// HookPlan: which program groups to load, from what was asked, what the kernel offers and what it refused.
#include "linux/ebpf/hook_plan.h"

#include <algorithm>
#include <optional>

namespace tcptop::linux_impl {

namespace {

constexpr std::string_view not_asked_for = "not asked for (options.protocols)";

bool contains(const std::vector<ProgramGroup> &plan, ProgramGroup group)
{
	return std::find(plan.begin(), plan.end(), group) != plan.end();
}

/* Why \p group cannot be used, or nullopt if it can. */
std::optional<std::string> missing(ProgramGroup group, const PlanRequest &request,
				   const KernelOffer &offer, const Refusals &refused)
{
	if (auto refusal = refused.find(group); refusal != refused.end())
		return refusal->second;
	if (group == ProgramGroup::udp_cgroup && !request.hook_kinds.cgroup)
		return "cgroup hooks are not allowed (hook_kinds)";
	if (group == ProgramGroup::udp_fentry && !request.hook_kinds.fentry)
		return "fentry programs are not allowed (hook_kinds)";
	return kernel_lacks(group, offer);
}

FeatureStatus available(Feature feature, std::string hooks, std::string note = {})
{
	return {feature, true, std::move(hooks), std::move(note)};
}

FeatureStatus unavailable(Feature feature, std::string why)
{
	return {feature, false, {}, std::move(why)};
}

void describe_udp(std::vector<FeatureStatus> &features, const PlanRequest &request,
		  const KernelOffer &offer, const Refusals &refused,
		  const std::vector<ProgramGroup> &plan, const CgroupPlace &cgroup)
{
	if (!request.udp) {
		features.push_back(unavailable(Feature::udp_counters, std::string(not_asked_for)));
		features.push_back(unavailable(Feature::udp_lifecycle, std::string(not_asked_for)));
		return;
	}
	/* Both UDP groups lack it: one reason, not the same one twice. */
	if (!offer.udp_iterator) {
		features.push_back(unavailable(Feature::udp_counters,
					       *kernel_lacks(ProgramGroup::udp_cgroup, offer)));
		features.push_back(unavailable(Feature::udp_lifecycle, "needs what UDP counting needs"));
		return;
	}
	if (contains(plan, ProgramGroup::udp_cgroup)) {
		features.push_back(available(Feature::udp_counters,
			"cgroup_skb/egress+ingress on " + cgroup.where,
			cgroup.private_mount
				? "no cgroup v2 hierarchy is mounted: attached through a private mount"
				: ""));
		features.push_back(available(Feature::udp_lifecycle,
					     "cgroup/sock_create+sock_release on " + cgroup.where));
		return;
	}

	std::string cgroup_missing =
		missing(ProgramGroup::udp_cgroup, request, offer, refused).value_or("");
	if (contains(plan, ProgramGroup::udp_fentry)) {
		features.push_back(available(Feature::udp_counters,
			"fentry/ip_send_skb+ip6_send_skb+__udp_enqueue_schedule_skb",
			"cgroup_skb not used: " + cgroup_missing));
		features.push_back(available(Feature::udp_lifecycle, "fentry/inet_release",
			"no cgroup/sock_create: owners of UDP sockets come from the file scan"));
		return;
	}
	std::string fentry_missing =
		missing(ProgramGroup::udp_fentry, request, offer, refused).value_or("");
	features.push_back(unavailable(Feature::udp_counters,
		"cgroup_skb: " + cgroup_missing + "; fentry: " + fentry_missing));
	features.push_back(unavailable(Feature::udp_lifecycle, "needs what UDP counting needs"));
}

} // namespace

std::optional<std::string> kernel_lacks(ProgramGroup group, const KernelOffer &offer)
{
	switch (group) {
	case ProgramGroup::tcp_walk:
		if (!offer.tcp_iterator)
			return "kernel lacks the iter/tcp BPF iterator (Linux 5.9)";
		break;
	case ProgramGroup::tcp_state:
		if (!offer.set_state_tracepoint)
			return "kernel lacks the inet_sock_set_state tracepoint in BTF (Linux 5.5)";
		break;
	case ProgramGroup::udp_cgroup:
	case ProgramGroup::udp_fentry:
		if (!offer.udp_iterator)
			return "kernel lacks the iter/udp BPF iterator (Linux 5.9)";
		if (group == ProgramGroup::udp_cgroup && !offer.cgroup_skb)
			return "kernel lacks the cgroup_skb program type (Linux 4.10)";
		break;
	case ProgramGroup::owner_scan:
		if (!offer.task_file_iterator)
			return "kernel lacks iter/task_file with bpf_sock_from_file (Linux 5.11)";
		break;
	}
	return std::nullopt;
}

std::vector<ProgramGroup> plan_groups(const PlanRequest &request, const KernelOffer &offer,
				      const Refusals &refused)
{
	std::vector<ProgramGroup> plan;
	auto usable = [&](ProgramGroup group) {
		return !missing(group, request, offer, refused);
	};

	if (request.tcp) {
		for (ProgramGroup group : {ProgramGroup::tcp_walk, ProgramGroup::tcp_state})
			if (usable(group))
				plan.push_back(group);
	}
	/* cgroup_skb first: it costs TCP nothing (bench/overhead.sh); fentry
	 * when it cannot be had. */
	if (request.udp) {
		if (usable(ProgramGroup::udp_cgroup))
			plan.push_back(ProgramGroup::udp_cgroup);
		else if (usable(ProgramGroup::udp_fentry))
			plan.push_back(ProgramGroup::udp_fentry);
	}
	if (collects_anything(plan) && usable(ProgramGroup::owner_scan))
		plan.push_back(ProgramGroup::owner_scan);
	return plan;
}

bool collects_anything(const std::vector<ProgramGroup> &plan)
{
	return std::any_of(plan.begin(), plan.end(),
			   [](ProgramGroup group) { return group != ProgramGroup::owner_scan; });
}

std::vector<FeatureStatus> describe_features(const PlanRequest &request, const KernelOffer &offer,
					     const Refusals &refused,
					     const std::vector<ProgramGroup> &plan,
					     const CgroupPlace &cgroup)
{
	std::vector<FeatureStatus> features;
	auto tcp_feature = [&](Feature feature, ProgramGroup group, std::string hooks) {
		if (!request.tcp)
			features.push_back(unavailable(feature, std::string(not_asked_for)));
		else if (contains(plan, group))
			features.push_back(available(feature, std::move(hooks)));
		else
			features.push_back(unavailable(
				feature, missing(group, request, offer, refused).value_or("")));
	};

	tcp_feature(Feature::tcp_counters, ProgramGroup::tcp_walk, "iter/tcp");
	tcp_feature(Feature::tcp_lifecycle, ProgramGroup::tcp_state, "tp_btf/inet_sock_set_state");
	describe_udp(features, request, offer, refused, plan, cgroup);
	if (contains(plan, ProgramGroup::owner_scan))
		features.push_back(available(Feature::socket_owners, "iter/task_file"));
	else
		features.push_back(unavailable(Feature::socket_owners,
			"sockets not seen opening have no owner: " +
				missing(ProgramGroup::owner_scan, request, offer, refused)
					.value_or("nothing else is collected")));
	return features;
}

std::string nothing_to_collect(const std::vector<FeatureStatus> &features)
{
	std::string why;
	for (const FeatureStatus &status : features) {
		bool collects = status.feature == Feature::tcp_counters ||
				status.feature == Feature::tcp_lifecycle ||
				status.feature == Feature::udp_counters;
		if (collects && !status.available && status.note != not_asked_for)
			why += (why.empty() ? "" : "; ") + std::string(to_string(status.feature)) + ": " +
			       status.note;
	}
	return "nothing that was asked for can be collected on this kernel: " + why;
}

} // namespace tcptop::linux_impl
