// SPDX-License-Identifier: MIT
// The clocks a snapshot's times come from.
#pragma once

#include <cstdint>
#include <ctime>

namespace tcptop {

/// \p clock now, in nanoseconds.
inline std::uint64_t clock_ns(clockid_t clock) noexcept
{
	timespec now{};
	clock_gettime(clock, &now);
	return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
	       static_cast<std::uint64_t>(now.tv_nsec);
}

/// Wall clock, nanoseconds since the epoch: what snapshots report.
inline std::uint64_t wall_now_ns() noexcept
{
	return clock_ns(CLOCK_REALTIME);
}

} // namespace tcptop
