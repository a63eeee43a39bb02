// SPDX-License-Identifier: MIT
// NetworkNamespaces: enters each network namespace in turn on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

namespace tcptop::linux_impl {

/**
 * \brief The network namespaces that processes are in, as open handles.
 *
 * TCP and UDP socket iterators only walk the namespace of the thread that
 * creates them, so the collector thread visits each namespace in turn.
 * Entering another namespace needs CAP_SYS_ADMIN; without it only the
 * collector's own namespace is visited.
 */
class NetworkNamespaces
{
public:
	NetworkNamespaces();
	~NetworkNamespaces();
	NetworkNamespaces(const NetworkNamespaces &) = delete;
	NetworkNamespaces &operator=(const NetworkNamespaces &) = delete;

	/// Look for namespaces that appeared or vanished (walks /proc/*/ns/net).
	void refresh();

	/// Run \p visit inside each namespace, the thread's own first; the
	/// thread is back in its own namespace on return.
	void for_each(const std::function<void()> &visit);

private:
	int home_fd_ = -1;
	std::uint64_t home_inode_ = 0;
	std::map<std::uint64_t, int> others_; // inode -> fd
};

} // namespace tcptop::linux_impl
