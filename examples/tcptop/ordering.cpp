// SPDX-License-Identifier: MIT
// The sort orders of the views, and the records of a snapshot in that order.
#include "ordering.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>

namespace tcptop::cli {

namespace {

constexpr std::array<std::string_view, 6> key_names = {
	"rate", "sent", "received", "total", "pid", "age",
};

/* A tuple that compares smaller for the record that should come first:
 * rates and totals descending, pid and start time ascending (exact, as
 * integers). */
std::tuple<double, double, std::uint64_t> rank(const ConnectionRecord &r, SortKey key)
{
	switch (key) {
	case SortKey::rate:
		return {-(r.bytes_sent_per_sec + r.bytes_received_per_sec), 0.0, 0};
	case SortKey::sent:
		return {-r.bytes_sent_per_sec, -r.bytes_received_per_sec, 0};
	case SortKey::received:
		return {-r.bytes_received_per_sec, -r.bytes_sent_per_sec, 0};
	case SortKey::total:
		return {-static_cast<double>(r.bytes_sent + r.bytes_received), 0.0, 0};
	case SortKey::pid:
		return {0.0, 0.0, r.pid};
	case SortKey::age:
		return {0.0, 0.0, r.start_time_ns};
	}
	return {};
}

} // namespace

std::string_view to_string(SortKey key) noexcept
{
	return key_names[static_cast<std::size_t>(key)];
}

std::optional<SortKey> parse_sort_key(std::string_view name) noexcept
{
	for (std::size_t i = 0; i < key_names.size(); ++i) {
		if (key_names[i] == name)
			return static_cast<SortKey>(i);
	}
	return std::nullopt;
}

SortKey next_sort_key(SortKey key) noexcept
{
	return static_cast<SortKey>((static_cast<std::size_t>(key) + 1) % key_names.size());
}

std::vector<const ConnectionRecord *> ordered_records(const Snapshot &snapshot, SortKey key,
						      std::size_t limit)
{
	std::vector<const ConnectionRecord *> records;
	records.reserve(snapshot.connections.size());
	for (const ConnectionRecord &record : snapshot.connections)
		records.push_back(&record);

	/* The UDP flows of one socket share its cookie: the remote port
	 * orders them. */
	std::sort(records.begin(), records.end(),
		  [key](const ConnectionRecord *a, const ConnectionRecord *b) {
			  return std::tuple_cat(rank(*a, key), std::tie(a->socket_cookie, a->remote_port)) <
				 std::tuple_cat(rank(*b, key), std::tie(b->socket_cookie, b->remote_port));
		  });
	if (limit && records.size() > limit)
		records.resize(limit);
	return records;
}

} // namespace tcptop::cli
