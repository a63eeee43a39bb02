// SPDX-License-Identifier: MIT
// Option values of the command-line programs: numbers and seconds read strictly, words shown safely.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <getopt.h>

namespace tcptop::cli {

/// A word of the command line as an error message shows it: quoted, inert
/// on a terminal (printable()) and at most 40 bytes, whatever was given.
std::string quoted(std::string_view text);

/// How the user spelled the option with getopt code \p code, for messages:
/// "--name" from \p options (getopt_long's table), else "-c".
std::string option_name(const option *options, int code);

/**
 * \brief The message for what getopt_long() rejected with '?'.
 *
 * optopt is 0 for an unknown long option (then \p last_word, the word just
 * scanned, is it), the option's code for a long option given a value it
 * does not take, else the unknown short option.
 */
std::string bad_option(const option *options, std::string_view last_word, int optopt);

/// A whole number in [\p min, \p max], nothing else (no sign, no spaces).
bool parse_integer(std::string_view text, std::uint64_t min, std::uint64_t max,
		   std::uint64_t &value);

/// Seconds, fractions allowed. The range is the caller's to check; huge
/// values saturate, so that a range check sees them as too large.
bool parse_seconds(std::string_view text, std::chrono::nanoseconds &interval);

} // namespace tcptop::cli
