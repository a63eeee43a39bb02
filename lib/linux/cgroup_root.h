// SPDX-License-Identifier: MIT
// The cgroup v2 root that cgroup programs attach to: the mounted one, or one mounted privately.
#pragma once

#include <optional>
#include <string>

namespace tcptop::linux_impl {

/// Where the cgroup v2 hierarchy is mounted with its root visible, if anywhere.
std::optional<std::string> cgroup2_mount_point();

/**
 * \brief A descriptor of the cgroup v2 root for attaching cgroup programs.
 *
 * Uses the mounted hierarchy when there is one. Otherwise (a container, a
 * host with only cgroup v1 mounted) it makes a cgroup2 mount that is never
 * attached to any directory tree (fsopen and fsmount, Linux 5.2), which
 * needs CAP_SYS_ADMIN; nobody else sees it, and nothing is left behind.
 * Inside a cgroup namespace either root is the namespace's own.
 * \param where set to the mount point used, or to how the root was reached
 * \param private_mount set when a private mount was made
 * \param error set to the cause when no descriptor can be had
 * \return the descriptor, or -1
 */
int open_cgroup2_root(std::string &where, bool &private_mount, std::string &error);

} // namespace tcptop::linux_impl
