// SPDX-License-Identifier: MIT
// WorkloadOf: how the output writers learn a record's workload, a CgroupResolver or a test's table.
#pragma once

#include <cstdint>
#include <functional>

#include <tcptop/workload.h>

namespace tcptop::cli {

/// The Workload of a cgroup id (a CgroupResolver's resolve()).
using WorkloadOf = std::function<const Workload &(std::uint64_t cgroup_id)>;

/// A WorkloadOf that asks \p resolver, which must outlive it.
inline WorkloadOf workloads_from(CgroupResolver &resolver)
{
	return [&resolver](std::uint64_t cgroup_id) -> const Workload & {
		return resolver.resolve(cgroup_id);
	};
}

/// What \p workload_of says of \p cgroup_id, or an empty Workload without it.
inline const Workload &workload_or_unknown(const WorkloadOf &workload_of, std::uint64_t cgroup_id)
{
	static const Workload unknown{};
	return workload_of ? workload_of(cgroup_id) : unknown;
}

} // namespace tcptop::cli
