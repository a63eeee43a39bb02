// SPDX-License-Identifier: MIT
// WorkloadOf: how the output writers learn a record's workload, a CgroupResolver or a test's table.
#pragma once

#include <cstdint>
#include <functional>

#include <tcptop/workload.h>

namespace tcptop::cli {

/// The Workload of a cgroup id (a CgroupResolver's resolve()).
using WorkloadOf = std::function<const Workload &(std::uint64_t cgroup_id)>;

} // namespace tcptop::cli
