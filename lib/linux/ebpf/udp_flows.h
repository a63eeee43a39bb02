// SPDX-License-Identifier: MIT
// A UDP socket's flows put together: those of the flow map, its first flow, and the socket's owner and close.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "linux/ebpf/record_decoder.h"

namespace tcptop::linux_impl {

using UdpSocketsByCookie = std::unordered_map<std::uint64_t, DecodedUdpSocket>;

/**
 * \brief The flows of \p hashed (from the `udp_flows` map) and the first
 * flows of \p sockets, one entry per key, each with its socket's owner,
 * namespace and close when the socket is known.
 *
 * A flow's datagrams are split between a socket's first-flow storage and
 * `udp_flows` when they raced the claim of the first flow (see struct
 * tcptop_udp_first_flow): such entries are added up here.
 */
std::vector<DecodedConnection> assemble_udp_flows(std::vector<DecodedConnection> hashed,
						  const UdpSocketsByCookie &sockets);

} // namespace tcptop::linux_impl
