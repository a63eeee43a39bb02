// SPDX-License-Identifier: MIT
// numbered(): an empty snapshot told apart by its timestamp, for the channel tests.
#pragma once

#include <cstdint>
#include <memory>

#include <tcptop/snapshot.h>

inline std::unique_ptr<tcptop::Snapshot> numbered(std::uint64_t number)
{
	auto snapshot = std::make_unique<tcptop::Snapshot>();
	snapshot->timestamp_ns = number;
	return snapshot;
}
