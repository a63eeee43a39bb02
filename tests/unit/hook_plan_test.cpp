// SPDX-License-Identifier: MIT
// The hook planner over kernel offers and refusals: 6.18-like, 6.1-like, no cgroup root, refused programs.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "linux/ebpf/hook_plan.h"

using namespace tcptop;
using namespace tcptop::linux_impl;

namespace {

/* Every hook the collector knows: what Linux 6.1 and 6.18 both offer (the
 * trampolines of the fentry fallback are probed apart, as a refusal). */
KernelOffer full_offer()
{
	KernelOffer offer;
	offer.set_state_tracepoint = true;
	offer.tcp_iterator = true;
	offer.udp_iterator = true;
	offer.task_file_iterator = true;
	offer.cgroup_skb = true;
	return offer;
}

const CgroupPlace root{"/sys/fs/cgroup", false};

using Plan = std::vector<ProgramGroup>;

std::map<Feature, FeatureStatus> features_of(const PlanRequest &request, const KernelOffer &offer,
					     const Refusals &refused)
{
	std::map<Feature, FeatureStatus> found;
	Plan plan = plan_groups(request, offer, refused);
	for (const FeatureStatus &status : describe_features(request, offer, refused, plan, root))
		found[status.feature] = status;
	return found;
}

} // namespace

TEST_CASE("everything offered: every group, UDP through cgroup_skb")
{
	Plan plan = plan_groups({}, full_offer(), {});
	CHECK(plan == Plan{ProgramGroup::tcp_walk, ProgramGroup::tcp_state, ProgramGroup::udp_cgroup,
			   ProgramGroup::owner_scan});
	auto features = features_of({}, full_offer(), {});
	CHECK(features.size() == 5);
	for (const auto &[feature, status] : features) {
		CHECK(status.available);
		CHECK(status.note.empty());
	}
	CHECK(features[Feature::udp_counters].hooks == "cgroup_skb/egress+ingress on /sys/fs/cgroup");
}

TEST_CASE("a refused group is left out, named with its reason, and the rest runs")
{
	Refusals refused{{ProgramGroup::owner_scan,
			  "program socket_owner_scan (iter/task_file) refused by the kernel: "
			  "R2 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_"}};
	Plan plan = plan_groups({}, full_offer(), refused);
	CHECK(plan == Plan{ProgramGroup::tcp_walk, ProgramGroup::tcp_state, ProgramGroup::udp_cgroup});
	auto features = features_of({}, full_offer(), refused);
	CHECK_FALSE(features[Feature::socket_owners].available);
	CHECK(features[Feature::socket_owners].note.find("R2 type=untrusted_ptr_") != std::string::npos);
	CHECK(features[Feature::tcp_counters].available);
	CHECK(features[Feature::udp_counters].available);
}

TEST_CASE("UDP falls back to fentry when cgroup_skb is refused, and says why")
{
	Refusals refused{{ProgramGroup::udp_cgroup, "program udp_egress (cgroup_skb/egress) refused"}};
	Plan plan = plan_groups({}, full_offer(), refused);
	CHECK(plan == Plan{ProgramGroup::tcp_walk, ProgramGroup::tcp_state, ProgramGroup::udp_fentry,
			   ProgramGroup::owner_scan});
	auto features = features_of({}, full_offer(), refused);
	CHECK(features[Feature::udp_counters].available);
	CHECK(features[Feature::udp_counters].hooks.rfind("fentry/", 0) == 0);
	CHECK(features[Feature::udp_counters].note ==
	      "cgroup_skb not used: program udp_egress (cgroup_skb/egress) refused");
}

TEST_CASE("no cgroup root and no trampolines (6.18 in a container): UDP unavailable, both reasons")
{
	Refusals refused{{ProgramGroup::udp_cgroup, "no cgroup v2 root: missing CAP_SYS_ADMIN"},
			 {ProgramGroup::udp_fentry, "kernel cannot load fentry programs (EPERM)"}};
	Plan plan = plan_groups({}, full_offer(), refused);
	CHECK(plan == Plan{ProgramGroup::tcp_walk, ProgramGroup::tcp_state, ProgramGroup::owner_scan});
	auto features = features_of({}, full_offer(), refused);
	CHECK_FALSE(features[Feature::udp_counters].available);
	CHECK(features[Feature::udp_counters].note ==
	      "cgroup_skb: no cgroup v2 root: missing CAP_SYS_ADMIN; "
	      "fentry: kernel cannot load fentry programs (EPERM)");
	CHECK_FALSE(features[Feature::udp_lifecycle].available);
}

TEST_CASE("hook kinds that are not allowed are never planned")
{
	PlanRequest request;
	request.hook_kinds.cgroup = false;
	Plan plan = plan_groups(request, full_offer(), {});
	CHECK(plan == Plan{ProgramGroup::tcp_walk, ProgramGroup::tcp_state, ProgramGroup::udp_fentry,
			   ProgramGroup::owner_scan});
	request.hook_kinds.fentry = false;
	auto features = features_of(request, full_offer(), {});
	CHECK(features[Feature::udp_counters].note ==
	      "cgroup_skb: cgroup hooks are not allowed (hook_kinds); "
	      "fentry: fentry programs are not allowed (hook_kinds)");
}

TEST_CASE("what the kernel lacks is named with the Linux version that added it")
{
	KernelOffer old = full_offer();
	old.tcp_iterator = false;
	old.udp_iterator = false;
	old.task_file_iterator = false;
	Plan plan = plan_groups({}, old, {});
	CHECK(plan == Plan{ProgramGroup::tcp_state});
	auto features = features_of({}, old, {});
	CHECK(features[Feature::tcp_counters].note == "kernel lacks the iter/tcp BPF iterator (Linux 5.9)");
	CHECK(features[Feature::udp_counters].note == "kernel lacks the iter/udp BPF iterator (Linux 5.9)");
	CHECK(features[Feature::socket_owners].note.find("(Linux 5.11)") != std::string::npos);
}

TEST_CASE("nothing left to collect: the start error carries each refusal")
{
	PlanRequest tcp_only;
	tcp_only.udp = false;
	Refusals refused{{ProgramGroup::tcp_walk, "program tcp_dump (iter/tcp) refused: A"},
			 {ProgramGroup::tcp_state, "program tcp_state_change refused: B"}};
	Plan plan = plan_groups(tcp_only, full_offer(), refused);
	CHECK_FALSE(collects_anything(plan));
	CHECK(plan.empty());
	std::string error = nothing_to_collect(
		describe_features(tcp_only, full_offer(), refused, plan, root));
	CHECK(error == "nothing that was asked for can be collected on this kernel: "
		       "tcp_counters: program tcp_dump (iter/tcp) refused: A; "
		       "tcp_lifecycle: program tcp_state_change refused: B");
}

TEST_CASE("the owner scan alone collects nothing")
{
	CHECK_FALSE(collects_anything({ProgramGroup::owner_scan}));
	CHECK(collects_anything({ProgramGroup::tcp_state}));
}

namespace {

/* One kernel the collector may meet, as the planner sees it after each
 * refusal was learned: what it offers, what was asked, what it refused. */
struct KernelCase {
	const char *kernel;
	KernelOffer offer;
	PlanRequest request;
	Refusals refused;
	Plan plan;
	std::set<Feature> available;
};

KernelOffer without(KernelOffer offer, bool KernelOffer::*hook)
{
	offer.*hook = false;
	return offer;
}

PlanRequest cgroup_forbidden()
{
	PlanRequest request;
	request.hook_kinds.cgroup = false;
	return request;
}

const std::string no_cgroup_root =
	"no cgroup v2 hierarchy is mounted, and mounting one privately failed (Operation not permitted)";
const std::string no_trampolines = "kernel cannot load fentry programs (Operation not permitted)";

} // namespace

TEST_CASE("the plan and the feature report over the kernels the collector meets")
{
	using enum ProgramGroup;
	const std::set<Feature> everything{Feature::tcp_counters, Feature::tcp_lifecycle,
					   Feature::udp_counters, Feature::udp_lifecycle,
					   Feature::socket_owners};
	std::set<Feature> without_udp = everything;
	without_udp.erase(Feature::udp_counters);
	without_udp.erase(Feature::udp_lifecycle);
	std::set<Feature> without_owners = everything;
	without_owners.erase(Feature::socket_owners);

	const std::vector<KernelCase> kernels = {
		{"6.18-like: every hook offered, cgroup_skb first", full_offer(), {}, {},
		 {tcp_walk, tcp_state, udp_cgroup, owner_scan}, everything},
		{"6.1-like, cgroup hooks forbidden: fentry", full_offer(), cgroup_forbidden(), {},
		 {tcp_walk, tcp_state, udp_fentry, owner_scan}, everything},
		{"6.18-like, cgroup hooks forbidden, no trampolines: no UDP", full_offer(),
		 cgroup_forbidden(), {{udp_fentry, no_trampolines}},
		 {tcp_walk, tcp_state, owner_scan}, without_udp},
		{"6.1-like in a container without cgroup v2: fentry", full_offer(), {},
		 {{udp_cgroup, no_cgroup_root}}, {tcp_walk, tcp_state, udp_fentry, owner_scan},
		 everything},
		{"6.18-like in a container without cgroup v2: no UDP", full_offer(), {},
		 {{udp_cgroup, no_cgroup_root}, {udp_fentry, no_trampolines}},
		 {tcp_walk, tcp_state, owner_scan}, without_udp},
		{"6.18.44: the verifier refuses the owner scan", full_offer(), {},
		 {{owner_scan, "program socket_owner_scan (iter/task_file) refused by the kernel: "
			       "R2 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_"}},
		 {tcp_walk, tcp_state, udp_cgroup}, without_owners},
		{"no cgroup_skb program type: fentry", without(full_offer(), &KernelOffer::cgroup_skb),
		 {}, {}, {tcp_walk, tcp_state, udp_fentry, owner_scan}, everything},
		{"no iter/task_file: no owners of older sockets",
		 without(full_offer(), &KernelOffer::task_file_iterator), {}, {},
		 {tcp_walk, tcp_state, udp_cgroup}, without_owners},
	};

	for (const KernelCase &kernel : kernels) {
		CAPTURE(kernel.kernel);
		Plan plan = plan_groups(kernel.request, kernel.offer, kernel.refused);
		CHECK(plan == kernel.plan);
		CHECK(collects_anything(plan));
		std::set<Feature> available;
		for (const auto &[feature, status] :
		     features_of(kernel.request, kernel.offer, kernel.refused)) {
			if (status.available)
				available.insert(feature);
			else
				CHECK_FALSE(status.note.empty());
		}
		CHECK(available == kernel.available);
	}
}
