// SPDX-License-Identifier: MIT
// Which capabilities the chosen hooks need, and which of them this process lacks.
#pragma once

#include <system_error>

#include <tcptop/error.h>

namespace tcptop::linux_impl {

/**
 * \brief Errc::missing_privilege naming each missing capability, or no error.
 * \param cgroup_hooks whether cgroup programs will be attached (CAP_NET_ADMIN).
 */
std::error_code check_privileges(bool cgroup_hooks, Diagnostics &diagnostics);

/// Whether setns() into other network namespaces is allowed (CAP_SYS_ADMIN).
bool can_enter_other_namespaces();

/// Whether every process's /proc/PID/fd may be read, not only this
/// user's own (CAP_SYS_PTRACE).
bool can_read_every_process();

} // namespace tcptop::linux_impl
