// SPDX-License-Identifier: MIT
// UdpFlow: one UDP flow's counters as the kernel holds them, and their merge.
#include "linux/udp_flows.h"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <unordered_map>

namespace tcptop::linux_impl {

namespace {

/* The key's bytes without its padding, which user space never wrote. */
std::string_view key_bytes(const tcptop_udp_flow_key &key)
{
	return {reinterpret_cast<const char *>(&key), offsetof(tcptop_udp_flow_key, pad)};
}

void add_counters(tcptop_udp_flow &into, const tcptop_udp_flow &from)
{
	into.bytes_sent += from.bytes_sent;
	into.bytes_received += from.bytes_received;
	into.packets_sent += from.packets_sent;
	into.packets_received += from.packets_received;
	into.first_ns = std::min(into.first_ns, from.first_ns);
}

} // namespace

std::vector<UdpFlow> merge_udp_flows(std::vector<UdpFlow> hashed,
				     const UdpSocketsByCookie &sockets)
{
	std::vector<UdpFlow> merged = std::move(hashed);
	/* No reallocation below: the index points into the elements. */
	merged.reserve(merged.size() + sockets.size());

	/* Two sockets never share a key (it holds the socket cookie), so only
	 * the hashed flows need an index. */
	std::unordered_map<std::string_view, std::size_t> position;
	position.reserve(merged.size());
	for (std::size_t i = 0; i < merged.size(); ++i)
		position.emplace(key_bytes(merged[i].key), i);

	for (const auto &[cookie, socket] : sockets) {
		const tcptop_udp_first_flow &first = socket.first_flow;
		if (first.state != TCPTOP_FIRST_FLOW_READY)
			continue;
		auto twin = position.find(key_bytes(first.key));
		if (twin != position.end())
			add_counters(merged[twin->second].counters, first.counters);
		else
			merged.push_back({first.key, first.counters});
	}
	return merged;
}

} // namespace tcptop::linux_impl
