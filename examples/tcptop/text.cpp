// SPDX-License-Identifier: MIT
// UTF-8 decoding, and process names made safe to print on a terminal.
#include "text.h"

namespace tcptop::cli {

namespace {

bool is_continuation(unsigned char byte)
{
	return (byte & 0xc0) == 0x80;
}

bool starts_code_point(unsigned char byte)
{
	return !is_continuation(byte);
}

} // namespace

Utf8Step decode_utf8(std::string_view text, std::size_t &pos)
{
	unsigned char lead = static_cast<unsigned char>(text[pos]);
	if (lead < 0x80) {
		++pos;
		return {lead, true};
	}

	/* The lead byte fixes the length and, for E0, ED, F0 and F4, a
	 * narrower range for the second byte (no overlong forms, no
	 * surrogates, nothing beyond U+10FFFF). */
	std::size_t length = 0;
	unsigned char second_min = 0x80;
	unsigned char second_max = 0xbf;
	char32_t code_point = 0;
	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
		code_point = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		code_point = lead & 0x0f;
		if (lead == 0xe0)
			second_min = 0xa0;
		else if (lead == 0xed)
			second_max = 0x9f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		code_point = lead & 0x07;
		if (lead == 0xf0)
			second_min = 0x90;
		else if (lead == 0xf4)
			second_max = 0x8f;
	} else {
		++pos;
		return {};
	}

	if (text.size() - pos < length) {
		++pos;
		return {};
	}
	for (std::size_t i = 1; i < length; ++i) {
		unsigned char byte = static_cast<unsigned char>(text[pos + i]);
		bool in_range = i == 1 ? byte >= second_min && byte <= second_max
				       : is_continuation(byte);
		if (!in_range) {
			++pos;
			return {};
		}
		code_point = (code_point << 6) | (byte & 0x3f);
	}
	pos += length;
	return {code_point, true};
}

std::string printable(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	for (std::size_t pos = 0; pos < text.size();) {
		std::size_t start = pos;
		Utf8Step step = decode_utf8(text, pos);
		/* C0 controls, DEL and the C1 controls (U+0080 to U+009F). */
		bool control = step.code_point < 0x20 ||
			       (step.code_point >= 0x7f && step.code_point < 0xa0);
		if (step.valid && !control)
			out.append(text.substr(start, pos - start));
		else
			out += '?';
	}
	return out;
}

/* One column per code point, East Asian wide characters included: a comm
 * is at most 15 bytes, so a misaligned row is the worst that can happen,
 * and wcwidth() would tie the output to the locale. */
std::size_t display_width(std::string_view text)
{
	std::size_t width = 0;
	for (char c : text)
		width += starts_code_point(static_cast<unsigned char>(c));
	return width;
}

std::string_view leading_columns(std::string_view text, std::size_t width)
{
	std::size_t columns = 0;
	for (std::size_t i = 0; i < text.size(); ++i) {
		if (!starts_code_point(static_cast<unsigned char>(text[i])))
			continue;
		if (columns == width)
			return text.substr(0, i);
		++columns;
	}
	return text;
}

std::string_view trailing_columns(std::string_view text, std::size_t width)
{
	std::size_t total = display_width(text);
	if (total <= width)
		return text;
	std::size_t skip = total - width;
	std::string_view dropped = leading_columns(text, skip);
	return text.substr(dropped.size());
}

} // namespace tcptop::cli
