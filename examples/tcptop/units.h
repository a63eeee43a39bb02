// SPDX-License-Identifier: MIT
// Human units for the table views: bytes in binary units, rates, round-trip times.
#pragma once

#include <cstdint>
#include <string>

namespace tcptop::cli {

/// "512 B", "1.50 KiB", "23.4 MiB", "117 GiB": three significant digits.
std::string format_bytes(std::uint64_t bytes);
/// As format_bytes() for a rate, with "/s".
std::string format_rate(double bytes_per_sec);
/// "87 us", "1.25 ms", "310 ms", "2.10 s".
std::string format_rtt(std::uint32_t microseconds);

} // namespace tcptop::cli
