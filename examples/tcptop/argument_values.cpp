// SPDX-License-Identifier: MIT
// Option values of the command-line programs: numbers and seconds read strictly, words shown safely.
#include "argument_values.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "text.h"

namespace tcptop::cli {

std::string quoted(std::string_view text)
{
	constexpr std::size_t shown = 40;
	if (text.size() <= shown)
		return "'" + printable(text) + "'";
	return "'" + printable(text.substr(0, shown)) + "...' (" + std::to_string(text.size()) +
	       " bytes)";
}

std::string option_name(const option *options, int code)
{
	for (const option *o = options; o->name; ++o)
		if (o->val == code)
			return std::string("--") + o->name;
	return std::string("-") + static_cast<char>(code);
}

std::string bad_option(const option *options, std::string_view last_word, int optopt)
{
	if (optopt == 0)
		return "unknown option " + quoted(last_word.substr(0, last_word.find('=')));
	for (const option *o = options; o->name; ++o)
		if (o->val == optopt)
			return option_name(options, optopt) + " takes no value";
	return "unknown option " + quoted(std::string("-") + static_cast<char>(optopt));
}

bool parse_integer(std::string_view text, std::uint64_t min, std::uint64_t max,
		   std::uint64_t &value)
{
	const char *end = text.data() + text.size();
	auto result = std::from_chars(text.data(), end, value);
	return result.ec == std::errc() && result.ptr == end && value >= min && value <= max;
}

bool parse_seconds(std::string_view text, std::chrono::nanoseconds &interval)
{
	const char *end = text.data() + text.size();
	double seconds = 0;
	auto result = std::from_chars(text.data(), end, seconds);
	if (result.ec != std::errc() || result.ptr != end || std::isnan(seconds))
		return false;

	double nanoseconds = seconds * 1e9;
	constexpr double limit = static_cast<double>(std::numeric_limits<std::int64_t>::max());
	if (nanoseconds >= limit)
		interval = std::chrono::nanoseconds::max();
	else if (nanoseconds <= -limit)
		interval = std::chrono::nanoseconds::min();
	else
		interval = std::chrono::nanoseconds(std::llround(nanoseconds));
	return true;
}

} // namespace tcptop::cli
