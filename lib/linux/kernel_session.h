// SPDX-License-Identifier: MIT
// KernelSession: the loaded BPF programs, their links, and reads from their maps.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include <linux/types.h>

#include <tcptop/error.h>
#include <tcptop/features.h>
#include <tcptop/options.h>

#include "linux/hook_plan.h"
#include "linux/kernel_probe.h"
#include "linux/udp_flows.h"
#include "tcptop.h"

struct tcptop_bpf;
struct ring_buffer;
struct bpf_link;

namespace tcptop::linux_impl {

/**
 * \brief Owns the skeleton: loads it, attaches the hooks, runs the iterators.
 *
 * Any program group can be refused by the kernel (its verifier, an attach
 * that fails, no cgroup root): it is left out, named in features() with
 * the reason, and the rest runs. Destroying it detaches everything. Used
 * from one thread at a time.
 */
class KernelSession
{
public:
	struct Config {
		PlanRequest request;
		std::size_t max_udp_flows = 65536;
	};

	/// Probe the kernel, load and attach what it offers and accepts; null
	/// when nothing asked for runs (or on a failure no refusal explains),
	/// with \p code and \p diagnostics naming each reason.
	static std::unique_ptr<KernelSession> open(const Config &config, std::error_code &code,
						   Diagnostics &diagnostics);
	~KernelSession();

	KernelSession(const KernelSession &) = delete;
	KernelSession &operator=(const KernelSession &) = delete;

	using EventHandler = std::function<void(const void *event, std::size_t size)>;

	/// Every live, non-listening TCP socket with its counters; nullopt if
	/// the iterator failed. Empty when TCP is not watched.
	std::optional<std::vector<tcptop_tcp_record>> read_tcp_sockets();
	/// Every UDP socket with its owner, as far as known.
	std::optional<std::vector<tcptop_udp_socket>> read_udp_sockets();
	/// Walk all open files; returns the sockets whose owner was just learned.
	std::optional<std::vector<tcptop_owner_record>> scan_socket_owners();

	/// Wait up to \p timeout_ms for events and pass each one to \p handler.
	/// Returns the number consumed, or a negative errno.
	int poll_events(int timeout_ms, const EventHandler &handler);

	std::vector<UdpFlow> read_udp_flows();
	void forget_udp_flow(const tcptop_udp_flow_key &key);

	/// Events and datagrams the kernel side could not record, since load.
	std::uint64_t drops_total();

	/// The hooks chosen at open(); the other_namespaces entry is not its business.
	const std::vector<FeatureStatus> &features() const { return features_; }
	/// Whether UDP is counted (asked for, and the kernel allows it).
	bool counts_udp() const { return udp_iterator_ != nullptr; }

private:
	KernelSession() = default;

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
	ring_buffer *events_ = nullptr;
	int cgroup_fd_ = -1;
	CgroupPlace cgroup_place_;
	bool fentry_probed_ = false;
	std::vector<bpf_link *> links_;
	bpf_link *tcp_iterator_ = nullptr;
	bpf_link *udp_iterator_ = nullptr;
	bpf_link *owner_iterator_ = nullptr;
	const EventHandler *event_handler_ = nullptr;
	std::vector<FeatureStatus> features_;
};

} // namespace tcptop::linux_impl
