// SPDX-License-Identifier: MIT
// KernelOffer: which of the collector's hook kinds this kernel has, found before loading.
#include "kernel_probe.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

namespace tcptop::linux_impl {

namespace {

bool has_type(const btf *vmlinux, const char *name, int kind)
{
	return btf__find_by_name_kind(vmlinux, name, kind) >= 0;
}

bool has_enum_value(const btf *vmlinux, const char *enum_name, const char *value_name)
{
	int id = btf__find_by_name_kind(vmlinux, enum_name, BTF_KIND_ENUM);
	if (id < 0)
		return false;
	const btf_type *type = btf__type_by_id(vmlinux, id);
	const struct btf_enum *values = btf_enum(type);
	for (unsigned i = 0; i < btf_vlen(type); ++i) {
		const char *name = btf__name_by_offset(vmlinux, values[i].name_off);
		if (name && std::strcmp(name, value_name) == 0)
			return true;
	}
	return false;
}

bool has_program_type(bpf_prog_type type)
{
	return libbpf_probe_bpf_prog_type(type, nullptr) == 1;
}

/* The kernel functions the fentry fallback for UDP hooks (bpf/udp_functions.bpf.c). */
constexpr const char *udp_functions[] = {
	"ip_send_skb", "ip6_send_skb", "__udp_enqueue_schedule_skb", "inet_release",
};

/* The program type is there whenever tp_btf is, but the trampoline behind
 * it may not be: only loading and attaching one tells. */
std::string probe_fentry(const btf *vmlinux)
{
	for (const char *function : udp_functions) {
		if (!has_type(vmlinux, function, BTF_KIND_FUNC))
			return std::string("kernel has no function ") + function + " in its BTF";
	}

	const bpf_insn return_zero[] = {
		{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		{BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, load_options,
		    .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = static_cast<__u32>(
			    btf__find_by_name_kind(vmlinux, "inet_release", BTF_KIND_FUNC)));
	int program = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tcptop_probe", "GPL", return_zero,
				    std::size(return_zero), &load_options);
	if (program < 0)
		return std::string("kernel cannot load fentry programs (") + std::strerror(-program) +
		       ")";
	int link = bpf_link_create(program, 0, BPF_TRACE_FENTRY, nullptr);
	int cause = -link;
	close(program);
	if (link < 0)
		return std::string("kernel cannot attach fentry programs (") + std::strerror(cause) +
		       ")";
	close(link);
	return {};
}

} // namespace

KernelOffer probe_kernel()
{
	KernelOffer offer;
	btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return offer;

	/* Attach targets are found in BTF the way libbpf finds them: a raw
	 * tracepoint by its btf_trace_ typedef, an iterator by its bpf_iter_
	 * function. */
	offer.set_state_tracepoint =
		has_type(vmlinux, "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF);
	offer.tcp_iterator = has_type(vmlinux, "bpf_iter_tcp", BTF_KIND_FUNC);
	offer.udp_iterator = has_type(vmlinux, "bpf_iter_udp", BTF_KIND_FUNC);
	offer.task_file_iterator = has_type(vmlinux, "bpf_iter_task_file", BTF_KIND_FUNC) &&
				   has_type(vmlinux, "bpf_sock_from_file", BTF_KIND_FUNC);
	offer.cgroup_skb = has_program_type(BPF_PROG_TYPE_CGROUP_SKB);
	offer.cgroup_sock_release =
		has_program_type(BPF_PROG_TYPE_CGROUP_SOCK) &&
		has_enum_value(vmlinux, "bpf_attach_type", "BPF_CGROUP_INET_SOCK_RELEASE");
	btf__free(vmlinux);
	return offer;
}

std::string probe_udp_fentry()
{
	btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return "kernel has no BTF";
	std::string missing = probe_fentry(vmlinux);
	btf__free(vmlinux);
	return missing;
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

int open_cgroup2_root(std::string &where, bool &private_mount, std::string &error)
{
	private_mount = false;
	if (std::optional<std::string> mounted = cgroup2_mount_point()) {
		where = *mounted;
		int fd = open(mounted->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			error = "cannot open the cgroup v2 root " + *mounted + ": " + std::strerror(errno);
		return fd;
	}

	/* Containers and hosts with only cgroup v1 mounted still have the v2
	 * hierarchy in the kernel; every process not moved into it sits in
	 * its root. */
	char directory[] = "/tmp/tcptop-cgroup2.XXXXXX";
	if (!mkdtemp(directory)) {
		error = std::string("no cgroup v2 hierarchy is mounted, and no directory to mount "
				    "one privately: ") + std::strerror(errno);
		return -1;
	}
	if (mount("cgroup2", directory, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
		int cause = errno;
		rmdir(directory);
		error = "no cgroup v2 hierarchy is mounted, and mounting one privately failed (" +
			std::string(std::strerror(cause)) +
			(cause == EPERM ? "; it needs CAP_SYS_ADMIN" : "") +
			"); mount one: mount -t cgroup2 none /sys/fs/cgroup";
		return -1;
	}
	int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int cause = errno;
	umount2(directory, MNT_DETACH);
	rmdir(directory);
	if (fd < 0) {
		error = std::string("cannot open a private cgroup v2 mount: ") + std::strerror(cause);
		return -1;
	}
	where = "a private cgroup v2 mount";
	private_mount = true;
	return fd;
}

} // namespace tcptop::linux_impl
