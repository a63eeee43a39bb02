// SPDX-License-Identifier: MIT
// Which capabilities the chosen hooks need, and which of them this process lacks.
#include "linux/privileges.h"

#include <cstdint>
#include <string>

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tcptop::linux_impl {

namespace {

/* Not every libc header knows the 5.8 capabilities yet. */
constexpr int cap_perfmon = 38;
constexpr int cap_bpf = 39;

struct EffectiveCapabilities {
	std::uint64_t bits = 0;

	bool has(int capability) const { return bits & (std::uint64_t{1} << capability); }
};

EffectiveCapabilities effective_capabilities()
{
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &header, data) != 0)
		return {};
	return {data[0].effective | (std::uint64_t{data[1].effective} << 32)};
}

} // namespace

std::error_code check_privileges(bool cgroup_hooks, Diagnostics &diagnostics)
{
	EffectiveCapabilities caps = effective_capabilities();
	std::string missing;

	/* Before Linux 5.8 CAP_SYS_ADMIN was the only way in, and it still is one. */
	if (!caps.has(CAP_SYS_ADMIN)) {
		if (!caps.has(cap_bpf))
			missing += " CAP_BPF";
		if (!caps.has(cap_perfmon))
			missing += " CAP_PERFMON";
	}
	if (cgroup_hooks && !caps.has(CAP_NET_ADMIN))
		missing += " CAP_NET_ADMIN";
	if (missing.empty())
		return {};

	diagnostics.message = "missing privilege:" + missing +
			      " (run as root, or grant CAP_BPF and CAP_PERFMON";
	diagnostics.message += cgroup_hooks ? ", plus CAP_NET_ADMIN for the UDP cgroup hooks)"
					    : ")";
	/* Where BPF is not to be had at all, the other collector still works. */
	diagnostics.message += "; the sock_diag collector needs none (TCP totals, UDP endpoints: "
			       "tcptop --collector sock_diag, make_sock_diag_collector(), "
			       "TCPTOP_COLLECTOR_SOCK_DIAG)";
	return Errc::missing_privilege;
}

bool can_enter_other_namespaces()
{
	return effective_capabilities().has(CAP_SYS_ADMIN);
}

bool can_read_every_process()
{
	return effective_capabilities().has(CAP_SYS_PTRACE);
}

} // namespace tcptop::linux_impl
