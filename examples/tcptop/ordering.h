// SPDX-License-Identifier: MIT
// The sort orders of the views, and the records of a snapshot in that order.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <tcptop/snapshot.h>

namespace tcptop::cli {

enum class SortKey {
	rate,     ///< send + receive rate, highest first
	sent,     ///< send rate, highest first
	received, ///< receive rate, highest first
	total,    ///< bytes sent + received since open, most first
	pid,      ///< owning process id, lowest first
	age,      ///< time since open, oldest first
};

std::string_view to_string(SortKey key) noexcept;
/// The key named \p name (as to_string() spells it), or nullopt.
std::optional<SortKey> parse_sort_key(std::string_view name) noexcept;
/// The key after \p key, wrapping around: what the `s` key of the live view selects.
SortKey next_sort_key(SortKey key) noexcept;

/**
 * \brief The records of \p snapshot sorted by \p key, at most \p limit of
 * them (0 for all). Ties keep a stable order (by socket cookie), so rows do
 * not swap places between refreshes.
 */
std::vector<const ConnectionRecord *> ordered_records(const Snapshot &snapshot, SortKey key,
						      std::size_t limit);

} // namespace tcptop::cli
