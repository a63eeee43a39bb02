// SPDX-License-Identifier: MIT
// Workload: the container or systemd unit a record's cgroup names, without asking any orchestrator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <tcptop/export.h>

namespace tcptop {

/**
 * \brief What a cgroup v2 path says about the processes in it.
 *
 * Container runtimes and systemd name cgroups by fixed patterns, so the
 * path alone tells a container's id or a service's unit name.
 */
struct Workload {
	/// The cgroup v2 path from the hierarchy's root ("/system.slice/nginx.service");
	/// empty when the cgroup is not known.
	std::string cgroup_path;
	/// The container's id, 64 hex digits, when a runtime made the cgroup;
	/// empty otherwise.
	std::string container_id;
	/// "docker", "containerd", "cri-o" or "podman"; empty with no container_id.
	std::string container_runtime;
	/// The innermost systemd unit the path names ("nginx.service",
	/// "session-3.scope"); empty when none. A container's scope is its unit.
	std::string systemd_unit;

	/// The container's id, else the systemd unit, else "": the one name an
	/// exporter's label gives the workload.
	[[nodiscard]] const std::string &name() const noexcept
	{
		return container_id.empty() ? systemd_unit : container_id;
	}
};

/**
 * \brief Reads a cgroup v2 path.
 *
 * Knows the forms docker ("/docker/ID", "docker-ID.scope"), containerd
 * ("cri-containerd-ID.scope", and "/kubepods/.../ID" under cgroupfs),
 * cri-o ("crio-ID.scope") and podman ("libpod-ID.scope") give their
 * containers' cgroups, including the path of a container's nested cgroup.
 * A runtime's "conmon" cgroup is the monitor, not the container.
 */
TCPTOP_EXPORT Workload workload_of_cgroup_path(std::string_view path);

/**
 * \brief Finds the cgroup v2 path of a cgroup id (ConnectionRecord::cgroup_id),
 * and its Workload.
 *
 * A cgroup's id is the inode number of its directory in the cgroup v2
 * hierarchy: the resolver walks the hierarchy and caches every path it
 * finds, so a host's thousands of connections cost one walk. An id it does
 * not know makes it walk again, and an id that walk does not find either
 * (a cgroup of another cgroup namespace, or removed) is not walked for
 * again within a second. Cgroups removed since are forgotten when the
 * cache has grown to twice what the hierarchy holds. Not thread-safe: one
 * per thread, or a lock.
 */
class TCPTOP_EXPORT CgroupResolver {
public:
	/// Walks the hierarchy mounted at \p cgroup2_root, or, when empty, the
	/// one the process sees (its cgroup2 mount, or a private mount of it
	/// when none is mounted and CAP_SYS_ADMIN allows).
	explicit CgroupResolver(std::string cgroup2_root = {});
	~CgroupResolver();
	CgroupResolver(const CgroupResolver &) = delete;
	CgroupResolver &operator=(const CgroupResolver &) = delete;

	/// The Workload of \p cgroup_id; a Workload with every field empty when
	/// the id is 0, unknown, or the hierarchy cannot be read. Valid until
	/// the next call, which may walk and prune the cache.
	const Workload &resolve(std::uint64_t cgroup_id);

	/// Why the hierarchy cannot be read; empty when it can.
	[[nodiscard]] const std::string &error() const noexcept;

private:
	struct Cache;
	std::unique_ptr<Cache> cache_;
};

} // namespace tcptop
