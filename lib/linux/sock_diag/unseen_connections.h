// SPDX-License-Identifier: MIT
// UnseenConnections: TCP connections a namespace opened that no dump saw, from its opening counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace tcptop::linux_impl {

/// TcpActiveOpens + TcpPassiveOpens in the text of /proc/net/snmp; no
/// value when either is missing.
std::optional<std::uint64_t> tcp_opens_in(std::string_view snmp);

/**
 * \brief Counts, per network namespace, the TCP connections its kernel
 * opened that no dump saw: those that opened and closed between two.
 *
 * A dump sees a connection opened between the reading of the counters
 * and the dump, before the counters do: what the counters owe the dumps
 * is carried to the next interval, never further, so that neither a race
 * nor a socket the counters never count hides later losses.
 */
class UnseenConnections
{
public:
	/// Whether \p netns has a starting point: then its counters are read
	/// before its dump and given to counted(); else after it, to start().
	bool counting(std::uint32_t netns) const { return namespaces_.contains(netns); }

	/// Sets where counting starts: \p opens, read after the first dump.
	void start(std::uint32_t netns, std::uint64_t opens);

	/// A complete dump of \p netns saw \p new_sockets sockets no earlier
	/// dump had, its counters at \p opens just before it.
	void counted(std::uint32_t netns, std::uint64_t opens, std::uint64_t new_sockets);

	/// Drops \p netns's starting point (its dump or counters failed): the
	/// next dump starts again.
	void forget(std::uint32_t netns) { namespaces_.erase(netns); }

	/// Drops the namespaces not in \p visited, gone or no longer entered,
	/// whose inode numbers the kernel may give to new ones.
	void keep_only(const std::unordered_set<std::uint32_t> &visited);

	/// Connections unseen since the first dump.
	std::uint64_t total() const { return total_; }

private:
	struct Namespace {
		std::uint64_t opens = 0;
		/* Sockets seen before the counters counted them. */
		std::uint64_t credit = 0;
	};
	std::unordered_map<std::uint32_t, Namespace> namespaces_;
	std::uint64_t total_ = 0;
};

} // namespace tcptop::linux_impl
