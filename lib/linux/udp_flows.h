// SPDX-License-Identifier: MIT
// UdpFlow: one UDP flow's counters as the kernel holds them, and their merge.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <linux/types.h>

#include "tcptop.h"

namespace tcptop::linux_impl {

struct UdpFlow {
	tcptop_udp_flow_key key;
	tcptop_udp_flow counters;
};

using UdpSocketsByCookie = std::unordered_map<std::uint64_t, tcptop_udp_socket>;

/**
 * \brief The flows of \p hashed (from `udp_flows`) and the ready first flows
 * of \p sockets, one entry per key.
 *
 * A flow's datagrams are split between a socket's first-flow storage and
 * `udp_flows` when they raced the claim of the first flow (see struct
 * tcptop_udp_first_flow): such entries are added up here.
 */
std::vector<UdpFlow> merge_udp_flows(std::vector<UdpFlow> hashed,
				     const UdpSocketsByCookie &sockets);

} // namespace tcptop::linux_impl
