// SPDX-License-Identifier: MIT
// Human units for the table views: bytes in binary units, rates, round-trip times.
#include "units.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace tcptop::cli {

namespace {

/* Three significant digits, like ls -h and top: enough to compare rows.
 * The thresholds are where rounding would add a fourth digit. */
std::string three_digits(double value, std::string_view unit)
{
	char text[32];
	const char *format = value < 9.995 ? "%.2f %.*s" : value < 99.95 ? "%.1f %.*s" : "%.0f %.*s";
	std::snprintf(text, sizeof(text), format, value, static_cast<int>(unit.size()),
		      unit.data());
	return text;
}

std::string binary_units(double value, std::string_view suffix)
{
	static constexpr std::array<std::string_view, 7> units = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	if (!std::isfinite(value) || value < 0)
		value = 0;
	if (value < 1024) {
		char text[32];
		std::snprintf(text, sizeof(text), "%.0f B%.*s", value,
			      static_cast<int>(suffix.size()), suffix.data());
		return text;
	}
	std::size_t unit = 0;
	/* 1023.6 KiB would print as "1024 KiB": move to the next unit first. */
	while (value >= 999.5 && unit + 1 < units.size()) {
		value /= 1024;
		++unit;
	}
	return three_digits(value, units[unit]) + std::string(suffix);
}

} // namespace

std::string format_bytes(std::uint64_t bytes)
{
	return binary_units(static_cast<double>(bytes), "");
}

std::string format_rate(double bytes_per_sec)
{
	return binary_units(bytes_per_sec, "/s");
}

std::string format_rtt(std::uint32_t microseconds)
{
	if (microseconds < 1000)
		return std::to_string(microseconds) + " us";
	if (microseconds < 999'500)
		return three_digits(microseconds / 1e3, "ms");
	return three_digits(microseconds / 1e6, "s");
}

} // namespace tcptop::cli
