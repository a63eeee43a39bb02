// SPDX-License-Identifier: MIT
// Picking the records a test is about out of snapshots.
#pragma once

#include <cstdint>
#include <vector>

#include <sys/types.h>

#include <tcptop/tcptop.hpp>

class Watcher;

/// Options with a short interval, for tests that wait on snapshots.
tcptop::Options fast_options();

/// Records of \p protocol with \p port as local or remote port.
std::vector<tcptop::ConnectionRecord> by_port(const tcptop::Snapshot &snapshot,
					      tcptop::Protocol protocol, std::uint16_t port);

/// The record owned by \p pid, or null.
const tcptop::ConnectionRecord *owned_by(const std::vector<tcptop::ConnectionRecord> &records,
					 pid_t pid);

/// The closed records of \p protocol on \p port from the snapshots made after
/// \p since, until \p count were seen: each end may close in its own interval.
/// Every record seen there must be closed.
tcptop::Snapshot gather_closed(Watcher &watcher, std::uint64_t since, tcptop::Protocol protocol,
			       std::uint16_t port, std::size_t count);

/// The same, passing over records still open: for sockets that take a while
/// to close after their process let go of them (a send queue draining).
tcptop::Snapshot wait_for_closed(Watcher &watcher, std::uint64_t since, tcptop::Protocol protocol,
				 std::uint16_t port, std::size_t count);
