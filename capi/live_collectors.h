// SPDX-License-Identifier: MIT
// The collectors tcptop_collector_create() made and tcptop_collector_destroy() has not freed: a stale handle is an error, not a use after free.
#pragma once

struct tcptop_collector;

namespace tcptop::capi {

/// Record \p c as live. \throws std::bad_alloc
void add_live_collector(const tcptop_collector *c);
/// Record \p c as destroyed; false when it was not live.
bool remove_live_collector(const tcptop_collector *c) noexcept;
/// Whether \p c is live. A freed collector's address that a newer one got
/// again counts as that newer one: what can be told apart is told apart.
bool is_live_collector(const tcptop_collector *c) noexcept;

} // namespace tcptop::capi
