// SPDX-License-Identifier: MIT
// BpfSession: the collector's BPF programs loaded and attached as a plan says, until destroyed.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <tcptop/ebpf_collector.h>
#include <tcptop/error.h>
#include <tcptop/features.h>

#include "linux/ebpf/hook_plan.h"

struct tcptop_bpf;
struct bpf_link;
struct bpf_map;

namespace tcptop::linux_impl {

/**
 * \brief Owns the skeleton: plans, loads and attaches the programs the
 * kernel offers and accepts; destroying it detaches everything.
 *
 * Any program group can be refused by the kernel (its verifier, an attach
 * that fails, no cgroup root): it is left out, named in features() with
 * the reason, and the plan is made again without it. Used from one thread
 * at a time.
 */
class BpfSession
{
public:
	struct Config {
		PlanRequest request;
		std::size_t max_udp_flows = 65536;
		std::size_t event_buffer_bytes = default_event_buffer_bytes;
	};

	/// Probe the kernel, load and attach what it offers and accepts; null
	/// when nothing asked for runs (or on a failure no refusal explains),
	/// with \p code and \p diagnostics naming each reason.
	static std::unique_ptr<BpfSession> open(const Config &config, std::error_code &code,
						Diagnostics &diagnostics);
	~BpfSession();

	BpfSession(const BpfSession &) = delete;
	BpfSession &operator=(const BpfSession &) = delete;

	/// What the plan that ran provides, every Feature but other_namespaces.
	const std::vector<FeatureStatus> &features() const { return features_; }

	/// The iterators attached; null when their group is not in the plan.
	bpf_link *tcp_iterator() const { return tcp_iterator_; }
	bpf_link *udp_iterator() const { return udp_iterator_; }
	bpf_link *owner_iterator() const { return owner_iterator_; }

	/// The maps user space reads.
	bpf_map *event_ring() const;
	bpf_map *udp_flow_map() const;
	bpf_map *drop_counter_map() const;

	/// The file descriptors of the programs loaded.
	std::vector<int> loaded_programs() const;

private:
	BpfSession() = default;

	/// Realize \p plan: nullopt when it runs, else the group that was
	/// refused and why. \p code is set on a failure no refusal explains.
	struct Refusal {
		ProgramGroup group;
		std::string reason;
	};
	std::optional<Refusal> realize(const std::vector<ProgramGroup> &plan, const Config &config,
				       std::error_code &code, Diagnostics &diagnostics);
	std::optional<Refusal> attach(const std::vector<ProgramGroup> &plan);
	/// Everything loaded or attached, but not the cgroup root.
	void unload();

	tcptop_bpf *skeleton_ = nullptr;
	int cgroup_fd_ = -1;
	CgroupPlace cgroup_place_;
	bool fentry_probed_ = false;
	std::vector<bpf_link *> links_;
	bpf_link *tcp_iterator_ = nullptr;
	bpf_link *udp_iterator_ = nullptr;
	bpf_link *owner_iterator_ = nullptr;
	std::vector<FeatureStatus> features_;
};

} // namespace tcptop::linux_impl
