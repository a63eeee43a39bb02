// SPDX-License-Identifier: MIT
// Strict JSON syntax (RFC 8259), checked without a JSON library: what a fuzz target holds the writer to.
#pragma once

#include <string_view>

namespace tcptop::fuzz {

/// Whether \p text is exactly one JSON value, with no whitespace around it
/// or inside it (the writer emits none).
bool is_compact_json(std::string_view text);

} // namespace tcptop::fuzz
