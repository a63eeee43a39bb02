// SPDX-License-Identifier: MIT
// UTF-8 decoding, and process names made safe to print on a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tcptop::cli {

/// One step of decode_utf8(): a code point, or a byte that starts no
/// well-formed sequence.
struct Utf8Step {
	char32_t code_point = 0;
	bool valid = false;
};

/**
 * \brief Decode the UTF-8 sequence at \p text[\p pos] and advance \p pos past it.
 *
 * Well-formed means as the Unicode standard's table 3-7 says: no overlong
 * forms, no surrogates, nothing above U+10FFFF. A byte that does not start
 * such a sequence is returned as invalid and \p pos advances by one, so
 * every byte is consumed exactly once.
 */
Utf8Step decode_utf8(std::string_view text, std::size_t &pos);

/**
 * \brief \p text with every control character and every invalid byte
 * replaced by '?': what a process chose as its name must not be able to
 * move the cursor or change the colours of the terminal that shows it.
 */
std::string printable(std::string_view text);

/// Terminal columns taken by \p text (valid UTF-8), one per code point.
std::size_t display_width(std::string_view text);

/// The first \p width columns of \p text (valid UTF-8), cut between code points.
std::string_view leading_columns(std::string_view text, std::size_t width);

/// The last \p width columns of \p text (valid UTF-8), cut between code points.
std::string_view trailing_columns(std::string_view text, std::size_t width);

} // namespace tcptop::cli
