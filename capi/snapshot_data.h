// SPDX-License-Identifier: MIT
// struct tcptop_snapshot: a tcptop::Snapshot laid out as the C structs, made once per delivery.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <tcptop/snapshot.h>
#include <tcptop/tcptop.h>

struct tcptop_snapshot {
	std::uint64_t timestamp_ns = 0;
	std::uint64_t interval_ns = 0;
	tcptop_stats stats{};
	std::vector<tcptop_connection> connections;
};

namespace tcptop::capi {

/// The C form of \p snapshot. \throws std::bad_alloc
std::unique_ptr<tcptop_snapshot> make_c_snapshot(const Snapshot &snapshot);

} // namespace tcptop::capi
