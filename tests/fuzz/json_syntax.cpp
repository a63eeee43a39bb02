// SPDX-License-Identifier: MIT
// Strict JSON syntax (RFC 8259), checked without a JSON library: what a fuzz target holds the writer to.
#include "json_syntax.h"

#include <cstddef>

namespace tcptop::fuzz {

namespace {

class Parser
{
public:
	explicit Parser(std::string_view text) : text_(text) {}

	bool whole_value() { return value(0) && at_ == text_.size(); }

private:
	/* Deeper than the writer ever nests: a runaway input stops here
	 * instead of overflowing the stack. */
	static constexpr int max_depth = 16;

	bool value(int depth)
	{
		if (depth > max_depth || at_ == text_.size())
			return false;
		switch (text_[at_]) {
		case '{':
			return object(depth);
		case '[':
			return array(depth);
		case '"':
			return string();
		case 't':
			return word("true");
		case 'f':
			return word("false");
		case 'n':
			return word("null");
		default:
			return number();
		}
	}

	bool object(int depth)
	{
		++at_;
		if (take('}'))
			return true;
		do {
			if (!string() || !take(':') || !value(depth + 1))
				return false;
		} while (take(','));
		return take('}');
	}

	bool array(int depth)
	{
		++at_;
		if (take(']'))
			return true;
		do {
			if (!value(depth + 1))
				return false;
		} while (take(','));
		return take(']');
	}

	bool string()
	{
		if (!take('"'))
			return false;
		while (at_ < text_.size()) {
			auto c = static_cast<unsigned char>(text_[at_++]);
			if (c == '"')
				return true;
			if (c < 0x20)
				return false;
			if (c != '\\')
				continue;
			if (at_ == text_.size())
				return false;
			char escape = text_[at_++];
			if (escape == 'u') {
				for (int i = 0; i < 4; ++i)
					if (!hex_digit())
						return false;
			} else if (std::string_view("\"\\/bfnrt").find(escape) == std::string_view::npos) {
				return false;
			}
		}
		return false;
	}

	bool number()
	{
		take('-');
		if (take('0')) {
			/* No leading zeros. */
		} else if (!digits()) {
			return false;
		}
		if (take('.') && !digits())
			return false;
		if (take('e') || take('E')) {
			if (!take('+'))
				take('-');
			if (!digits())
				return false;
		}
		return true;
	}

	bool digits()
	{
		std::size_t start = at_;
		while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9')
			++at_;
		return at_ > start;
	}

	bool hex_digit()
	{
		if (at_ == text_.size())
			return false;
		char c = text_[at_++];
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}

	bool word(std::string_view expected)
	{
		if (text_.substr(at_, expected.size()) != expected)
			return false;
		at_ += expected.size();
		return true;
	}

	bool take(char expected)
	{
		if (at_ < text_.size() && text_[at_] == expected) {
			++at_;
			return true;
		}
		return false;
	}

	std::string_view text_;
	std::size_t at_ = 0;
};

} // namespace

bool is_compact_json(std::string_view text)
{
	return Parser(text).whole_value();
}

} // namespace tcptop::fuzz
