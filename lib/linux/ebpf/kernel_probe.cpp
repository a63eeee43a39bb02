// SPDX-License-Identifier: MIT
// KernelOffer: which of the collector's hook kinds this kernel has, found before loading.
#include "linux/ebpf/kernel_probe.h"

#include <cstring>
#include <iterator>
#include <optional>

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

/* What the kernel's BTF says, leaving out what depends on privileges;
 * nullopt without BTF. */
std::optional<KernelOffer> read_vmlinux_offer()
{
	KernelOffer offer;
	btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return std::nullopt;

	/* Attach targets are found in BTF the way libbpf finds them: a raw
	 * tracepoint by its btf_trace_ typedef, an iterator by its bpf_iter_
	 * function. */
	offer.set_state_tracepoint =
		has_type(vmlinux, "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF);
	offer.tcp_iterator = has_type(vmlinux, "bpf_iter_tcp", BTF_KIND_FUNC);
	offer.udp_iterator = has_type(vmlinux, "bpf_iter_udp", BTF_KIND_FUNC);
	offer.task_file_iterator = has_type(vmlinux, "bpf_iter_task_file", BTF_KIND_FUNC) &&
				   has_type(vmlinux, "bpf_sock_from_file", BTF_KIND_FUNC);
	btf__free(vmlinux);
	return offer;
}

} // namespace

std::string vmlinux_btf_missing()
{
	constexpr const char *path = "/sys/kernel/btf/vmlinux";
	if (access(path, R_OK) == 0)
		return {};
	return std::string("kernel has no BTF at ") + path + " (needs CONFIG_DEBUG_INFO_BTF=y)";
}

KernelOffer probe_kernel()
{
	/* Parsing the kernel's BTF was most of the time a start took, and
	 * what it tells cannot change while the kernel runs; a program load
	 * can, with the caller's privileges, so it is asked each time. */
	static const std::optional<KernelOffer> vmlinux_offer = read_vmlinux_offer();
	if (!vmlinux_offer)
		return {};
	KernelOffer offer = *vmlinux_offer;
	offer.cgroup_skb = has_program_type(BPF_PROG_TYPE_CGROUP_SKB);
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

} // namespace tcptop::linux_impl
