// SPDX-License-Identifier: MIT
// KernelSession: the loaded BPF programs, their links, and reads from their maps.
#include "kernel_session.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

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

std::optional<std::string> cgroup2_mount_point()
{
	std::ifstream mountinfo("/proc/self/mountinfo");
	std::string line;

	while (std::getline(mountinfo, line)) {
		std::size_t separator = line.find(" - ");
		if (separator == std::string::npos)
			continue;
		std::istringstream after(line.substr(separator + 3));
		std::string fs_type;
		after >> fs_type;
		if (fs_type != "cgroup2")
			continue;
		std::istringstream before(line.substr(0, separator));
		std::string id, parent, device, root, mount_point;
		before >> id >> parent >> device >> root >> mount_point;
		if (root == "/")
			return mount_point;
	}
	return std::nullopt;
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

} // namespace

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
	LibbpfWarningCapture warnings;

	session->skeleton_ = tcptop_bpf__open();
	if (!session->skeleton_) {
		code = fail(diagnostics, Errc::system_failure,
			    std::string("cannot open the BPF object: ") + std::strerror(errno));
		return nullptr;
	}

	tcptop_bpf *skel = session->skeleton_;
	bpf_program__set_autoload(skel->progs.tcp_state_change, config.tcp);
	bpf_program__set_autoload(skel->progs.tcp_dump, config.tcp);
	bpf_program__set_autoload(skel->progs.sock_created, config.udp);
	bpf_program__set_autoload(skel->progs.sock_released, config.udp);
	bpf_program__set_autoload(skel->progs.udp_egress, config.udp);
	bpf_program__set_autoload(skel->progs.udp_ingress, config.udp);
	bpf_program__set_autoload(skel->progs.udp_dump, config.udp);
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

	code = session->attach(config, diagnostics);
	if (code)
		return nullptr;
	return session;
}

std::error_code KernelSession::attach(const Config &config, Diagnostics &diagnostics)
{
	tcptop_bpf *skel = skeleton_;
	constexpr const char *tracing_privilege = "CAP_BPF and CAP_PERFMON";

	if (config.tcp) {
		bpf_link *link = bpf_program__attach(skel->progs.tcp_state_change);
		if (!link)
			return hook_failure(diagnostics, "tp_btf/inet_sock_set_state", errno,
					    tracing_privilege);
		links_.push_back(link);
	}

	if (config.udp) {
		std::optional<std::string> cgroup_root = cgroup2_mount_point();
		if (!cgroup_root)
			return fail(diagnostics, Errc::kernel_unsupported,
				    "no cgroup v2 hierarchy is mounted: UDP accounting needs "
				    "cgroup_skb hooks (mount -t cgroup2 none /sys/fs/cgroup)");
		cgroup_fd_ = ::open(cgroup_root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cgroup_fd_ < 0)
			return fail(diagnostics, Errc::system_failure,
				    "cannot open cgroup v2 root " + *cgroup_root + ": " +
					    std::strerror(errno));

		const std::pair<bpf_program *, const char *> cgroup_programs[] = {
			{skel->progs.sock_created, "cgroup/sock_create"},
			{skel->progs.sock_released, "cgroup/sock_release"},
			{skel->progs.udp_egress, "cgroup_skb/egress"},
			{skel->progs.udp_ingress, "cgroup_skb/ingress"},
		};
		for (const auto &[program, hook] : cgroup_programs) {
			bpf_link *link = bpf_program__attach_cgroup(program, cgroup_fd_);
			if (!link)
				return hook_failure(diagnostics,
						    std::string(hook) + " on " + *cgroup_root, errno,
						    "CAP_NET_ADMIN besides CAP_BPF");
			links_.push_back(link);
		}
	}

	const std::pair<bpf_program *, bpf_link **> iterators[] = {
		{config.tcp ? skel->progs.tcp_dump : nullptr, &tcp_iterator_},
		{config.udp ? skel->progs.udp_dump : nullptr, &udp_iterator_},
		{skel->progs.socket_owner_scan, &owner_iterator_},
	};
	for (const auto &[program, link] : iterators) {
		if (!program)
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
