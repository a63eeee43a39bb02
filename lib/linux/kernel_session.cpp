// SPDX-License-Identifier: MIT
// KernelSession: the loaded BPF programs, their links, and reads from their maps.
#include "kernel_session.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <optional>
#include <string>
#include <tuple>

#include <fcntl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup_root.h"
#include "kernel_probe.h"
#include "tcptop.skel.h"

namespace tcptop::linux_impl {

namespace {

constexpr const char *vmlinux_btf_path = "/sys/kernel/btf/vmlinux";

/* libbpf reports why a load failed only through its print callback; keep
 * the warnings of the current load to put them in the error message. */
thread_local std::string libbpf_warnings;

int capture_libbpf_warnings(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[512];
	int length = std::vsnprintf(line, sizeof(line), format, args);
	if (libbpf_warnings.size() < 4096)
		libbpf_warnings += line;
	return length;
}

class LibbpfWarningCapture
{
public:
	LibbpfWarningCapture() : previous_(libbpf_set_print(capture_libbpf_warnings))
	{
		libbpf_warnings.clear();
	}
	~LibbpfWarningCapture() { libbpf_set_print(previous_); }

	std::string last_lines() const
	{
		std::string text = libbpf_warnings;
		while (!text.empty() && text.back() == '\n')
			text.pop_back();
		std::size_t from = text.size() > 600 ? text.size() - 600 : 0;
		return text.substr(from);
	}

private:
	libbpf_print_fn_t previous_;
};

std::error_code fail(Diagnostics &diagnostics, Errc code, std::string message)
{
	diagnostics.message = std::move(message);
	return code;
}

/* EPERM from a load or attach is a privilege problem; anything else means
 * the kernel does not offer what the hook needs. */
std::error_code hook_failure(Diagnostics &diagnostics, const std::string &hook, int error,
			     const char *privilege_hint)
{
	if (error == EPERM || error == EACCES)
		return fail(diagnostics, Errc::missing_privilege,
			    "missing privilege: attaching " + hook + " was refused (" +
				    std::strerror(error) + "); it needs " + privilege_hint);
	return fail(diagnostics, Errc::kernel_unsupported,
		    "kernel does not support " + hook + ": " + std::strerror(error));
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

FeatureStatus feature(Feature which, std::string hooks)
{
	return {which, true, std::move(hooks), {}};
}

FeatureStatus unavailable(Feature which, std::string why)
{
	return {which, false, {}, std::move(why)};
}

constexpr const char *not_asked_for = "not asked for (options.protocols)";

} // namespace

/*
 * Which hooks to use, decided from what the kernel offers before anything
 * is loaded: a program whose attach target is missing would make the whole
 * object fail to load.
 */
enum class KernelSession::UdpHooks { none, cgroup, fentry };

struct KernelSession::HookPlan {
	bool set_state_tracepoint = false;
	bool tcp_iterator = false;
	UdpHooks udp = UdpHooks::none;
	bool owner_scan = false;
	std::vector<FeatureStatus> features;
};

/*
 * UDP: cgroup_skb first (it costs TCP nothing, bench/overhead.sh), then
 * fentry on the UDP functions when no cgroup root can be had or cgroup
 * hooks are not allowed.
 */
void KernelSession::plan_udp(HookPlan &plan, const HookKinds &allowed, const KernelOffer &offer)
{
	if (!offer.udp_iterator) {
		plan.features.push_back(unavailable(Feature::udp_counters,
						    "kernel lacks the iter/udp BPF iterator (Linux 5.9)"));
		plan.features.push_back(unavailable(Feature::udp_lifecycle, "needs what UDP counting needs"));
		return;
	}

	std::string where;
	bool private_mount = false;
	std::string cgroup_missing;
	if (!allowed.cgroup)
		cgroup_missing = "cgroup hooks are not allowed (options.hook_kinds)";
	else if (!offer.cgroup_skb)
		cgroup_missing = "kernel lacks the cgroup_skb program type (Linux 4.10)";
	else if ((cgroup_fd_ = open_cgroup2_root(where, private_mount, cgroup_missing)) >= 0)
		cgroup_missing.clear();

	if (cgroup_missing.empty()) {
		plan.udp = UdpHooks::cgroup;
		FeatureStatus counters = feature(Feature::udp_counters,
						 "cgroup_skb/egress+ingress on " + where);
		if (private_mount)
			counters.note = "no cgroup v2 hierarchy is mounted: attached through a private mount";
		plan.features.push_back(counters);
		plan.features.push_back(feature(Feature::udp_lifecycle,
						"cgroup/sock_create+sock_release on " + where));
		return;
	}

	std::string fentry_missing = !allowed.fentry
		? "fentry programs are not allowed (options.hook_kinds)"
		: probe_udp_fentry();
	if (fentry_missing.empty()) {
		plan.udp = UdpHooks::fentry;
		FeatureStatus counters = feature(Feature::udp_counters,
			"fentry/ip_send_skb+ip6_send_skb+__udp_enqueue_schedule_skb");
		counters.note = "cgroup_skb not used: " + cgroup_missing;
		plan.features.push_back(counters);
		FeatureStatus lifecycle = feature(Feature::udp_lifecycle, "fentry/inet_release");
		lifecycle.note = "no cgroup/sock_create: owners of UDP sockets come from the file scan";
		plan.features.push_back(lifecycle);
		return;
	}

	plan.features.push_back(unavailable(Feature::udp_counters,
		"cgroup_skb: " + cgroup_missing + "; fentry: " + fentry_missing));
	plan.features.push_back(unavailable(Feature::udp_lifecycle, "needs what UDP counting needs"));
}

KernelSession::HookPlan KernelSession::plan_hooks(const Config &config, const KernelOffer &offer)
{
	HookPlan plan;

	if (!config.tcp) {
		plan.features.push_back(unavailable(Feature::tcp_counters, not_asked_for));
		plan.features.push_back(unavailable(Feature::tcp_lifecycle, not_asked_for));
	} else {
		plan.tcp_iterator = offer.tcp_iterator;
		plan.features.push_back(plan.tcp_iterator
			? feature(Feature::tcp_counters, "iter/tcp")
			: unavailable(Feature::tcp_counters, "kernel lacks the iter/tcp BPF iterator (Linux 5.9)"));
		plan.set_state_tracepoint = offer.set_state_tracepoint;
		plan.features.push_back(plan.set_state_tracepoint
			? feature(Feature::tcp_lifecycle, "tp_btf/inet_sock_set_state")
			: unavailable(Feature::tcp_lifecycle,
				      "kernel lacks the inet_sock_set_state tracepoint in BTF (Linux 5.5)"));
	}

	if (!config.udp) {
		plan.features.push_back(unavailable(Feature::udp_counters, not_asked_for));
		plan.features.push_back(unavailable(Feature::udp_lifecycle, not_asked_for));
	} else {
		plan_udp(plan, config.hook_kinds, offer);
	}

	plan.owner_scan = offer.task_file_iterator;
	plan.features.push_back(plan.owner_scan
		? feature(Feature::socket_owners, "iter/task_file")
		: unavailable(Feature::socket_owners,
			      "kernel lacks iter/task_file with bpf_sock_from_file (Linux 5.11): "
			      "sockets not seen opening have no owner"));
	return plan;
}

std::unique_ptr<KernelSession> KernelSession::open(const Config &config, std::error_code &code,
						   Diagnostics &diagnostics)
{
	if (access(vmlinux_btf_path, R_OK) != 0) {
		code = fail(diagnostics, Errc::kernel_unsupported,
			    std::string("kernel has no BTF at ") + vmlinux_btf_path +
				    " (needs CONFIG_DEBUG_INFO_BTF=y)");
		return nullptr;
	}

	std::unique_ptr<KernelSession> session(new KernelSession());
	HookPlan plan = session->plan_hooks(config, probe_kernel());
	if (!plan.tcp_iterator && plan.udp == UdpHooks::none) {
		std::string why;
		for (const FeatureStatus &status : plan.features) {
			if ((status.feature == Feature::tcp_counters ||
			     status.feature == Feature::udp_counters) && status.note != not_asked_for)
				why += (why.empty() ? "" : "; ") + status.note;
		}
		code = fail(diagnostics, Errc::kernel_unsupported,
			    "nothing that was asked for can be collected on this kernel: " + why);
		return nullptr;
	}

	LibbpfWarningCapture warnings;
	session->skeleton_ = tcptop_bpf__open();
	if (!session->skeleton_) {
		code = fail(diagnostics, Errc::system_failure,
			    std::string("cannot open the BPF object: ") + std::strerror(errno));
		return nullptr;
	}

	tcptop_bpf *skel = session->skeleton_;
	bpf_program__set_autoload(skel->progs.tcp_state_change, plan.set_state_tracepoint);
	bpf_program__set_autoload(skel->progs.tcp_dump, plan.tcp_iterator);
	bool udp_cgroup = plan.udp == UdpHooks::cgroup;
	bool udp_fentry = plan.udp == UdpHooks::fentry;
	bpf_program__set_autoload(skel->progs.sock_created, udp_cgroup);
	bpf_program__set_autoload(skel->progs.sock_released, udp_cgroup);
	bpf_program__set_autoload(skel->progs.udp_egress, udp_cgroup);
	bpf_program__set_autoload(skel->progs.udp_ingress, udp_cgroup);
	bpf_program__set_autoload(skel->progs.udp_send_ipv4, udp_fentry);
	bpf_program__set_autoload(skel->progs.udp_send_ipv6, udp_fentry);
	bpf_program__set_autoload(skel->progs.udp_receive, udp_fentry);
	bpf_program__set_autoload(skel->progs.udp_release, udp_fentry);
	bpf_program__set_autoload(skel->progs.udp_dump, plan.udp != UdpHooks::none);
	bpf_program__set_autoload(skel->progs.socket_owner_scan, plan.owner_scan);
	bpf_map__set_max_entries(skel->maps.udp_flows,
				 static_cast<__u32>(std::max<std::size_t>(config.max_udp_flows, 1)));

	int error = tcptop_bpf__load(skel);
	if (error) {
		int cause = -error;
		/* Privileges were checked before loading, so EACCES is the
		 * verifier's refusal; EPERM is still privilege (lockdown, LSM). */
		if (cause == EPERM)
			code = fail(diagnostics, Errc::missing_privilege,
				    "missing privilege: the kernel refused to load BPF programs (" +
					    std::string(std::strerror(cause)) +
					    "); run as root, or grant CAP_BPF and CAP_PERFMON");
		else
			code = fail(diagnostics, Errc::bpf_load_failed,
				    "the kernel refused the BPF programs (" +
					    std::string(std::strerror(cause)) +
					    "): " + warnings.last_lines());
		return nullptr;
	}

	code = session->attach(plan, diagnostics);
	if (code)
		return nullptr;
	session->features_ = std::move(plan.features);
	return session;
}

std::error_code KernelSession::attach(const HookPlan &plan, Diagnostics &diagnostics)
{
	tcptop_bpf *skel = skeleton_;
	constexpr const char *tracing_privilege = "CAP_BPF and CAP_PERFMON";
	constexpr const char *cgroup_privilege = "CAP_NET_ADMIN besides CAP_BPF";

	bool udp_cgroup = plan.udp == UdpHooks::cgroup;
	bool udp_fentry = plan.udp == UdpHooks::fentry;
	const std::tuple<bool, bpf_program *, const char *, const char *> hooks[] = {
		{plan.set_state_tracepoint, skel->progs.tcp_state_change,
		 "tp_btf/inet_sock_set_state", tracing_privilege},
		{udp_cgroup, skel->progs.sock_created, "cgroup/sock_create", cgroup_privilege},
		{udp_cgroup, skel->progs.sock_released, "cgroup/sock_release", cgroup_privilege},
		{udp_cgroup, skel->progs.udp_egress, "cgroup_skb/egress", cgroup_privilege},
		{udp_cgroup, skel->progs.udp_ingress, "cgroup_skb/ingress", cgroup_privilege},
		{udp_fentry, skel->progs.udp_send_ipv4, "fentry/ip_send_skb", tracing_privilege},
		{udp_fentry, skel->progs.udp_send_ipv6, "fentry/ip6_send_skb", tracing_privilege},
		{udp_fentry, skel->progs.udp_receive, "fentry/__udp_enqueue_schedule_skb",
		 tracing_privilege},
		{udp_fentry, skel->progs.udp_release, "fentry/inet_release", tracing_privilege},
	};
	for (const auto &[wanted, program, hook, privilege] : hooks) {
		if (!wanted)
			continue;
		bool on_cgroup = bpf_program__type(program) != BPF_PROG_TYPE_TRACING;
		bpf_link *link = on_cgroup ? bpf_program__attach_cgroup(program, cgroup_fd_)
					   : bpf_program__attach(program);
		if (!link)
			return hook_failure(diagnostics, hook, errno, privilege);
		links_.push_back(link);
	}

	const std::tuple<bool, bpf_program *, bpf_link **> iterators[] = {
		{plan.tcp_iterator, skel->progs.tcp_dump, &tcp_iterator_},
		{plan.udp != UdpHooks::none, skel->progs.udp_dump, &udp_iterator_},
		{plan.owner_scan, skel->progs.socket_owner_scan, &owner_iterator_},
	};
	for (const auto &[wanted, program, link] : iterators) {
		if (!wanted)
			continue;
		*link = bpf_program__attach_iter(program, nullptr);
		if (!*link)
			return hook_failure(diagnostics,
					    std::string("iterator ") + bpf_program__section_name(program),
					    errno, tracing_privilege);
	}

	events_ = ring_buffer__new(bpf_map__fd(skel->maps.events), on_ring_buffer_event,
				   &event_handler_, nullptr);
	if (!events_)
		return fail(diagnostics, Errc::system_failure,
			    std::string("cannot map the event ring buffer: ") + std::strerror(errno));
	return {};
}

KernelSession::~KernelSession()
{
	ring_buffer__free(events_);
	for (bpf_link *link : {tcp_iterator_, udp_iterator_, owner_iterator_})
		bpf_link__destroy(link);
	for (bpf_link *link : links_)
		bpf_link__destroy(link);
	if (cgroup_fd_ >= 0)
		close(cgroup_fd_);
	tcptop_bpf__destroy(skeleton_);
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
