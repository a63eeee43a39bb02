// SPDX-License-Identifier: MIT
// Socket owners from /proc: which process holds a socket inode, found by reading every process's fd links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/connection_table.h"

namespace tcptop::linux_impl {

/// Owners by socket inode.
using OwnersByInode = std::unordered_map<std::uint64_t, Owner>;

/**
 * \brief The processes holding the sockets \p inodes, by walking
 * /proc/PID/fd of every process the caller may read (all with
 * CAP_SYS_PTRACE or as root; else the caller's own user's).
 *
 * The first process found holding a socket is its owner; a socket no
 * readable process holds is left out. \p cgroup2_root (may be empty) is
 * where the cgroup v2 hierarchy is mounted, for the owners' cgroup ids.
 * No value when /proc cannot be read at all: nothing was looked for.
 */
std::optional<OwnersByInode> proc_socket_owners(const std::unordered_set<std::uint64_t> &inodes,
				 const std::string &cgroup2_root);

} // namespace tcptop::linux_impl
