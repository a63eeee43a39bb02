// SPDX-License-Identifier: MIT
// The collectors tcptop_collector_create() made and tcptop_collector_destroy() has not freed: a stale handle is an error, not a use after free.
#include "capi/live_collectors.h"

#include <mutex>
#include <unordered_set>

namespace tcptop::capi {

namespace {

/* Function-local, so that it exists before any caller and after the last. */
struct LiveCollectors {
	std::mutex mutex;
	std::unordered_set<const tcptop_collector *> set;
};

LiveCollectors &live()
{
	static LiveCollectors collectors;
	return collectors;
}

} // namespace

void add_live_collector(const tcptop_collector *c)
{
	std::lock_guard lock(live().mutex);
	live().set.insert(c);
}

bool remove_live_collector(const tcptop_collector *c) noexcept
{
	std::lock_guard lock(live().mutex);
	return live().set.erase(c) == 1;
}

bool is_live_collector(const tcptop_collector *c) noexcept
{
	std::lock_guard lock(live().mutex);
	return live().set.contains(c);
}

} // namespace tcptop::capi
