// SPDX-License-Identifier: MIT
// A UDP socket's flows put together: those of the flow map, its first flow, and the socket's owner and close.
#include "linux/ebpf/udp_flows.h"

#include <algorithm>
#include <cstddef>

namespace tcptop::linux_impl {

namespace {

void add_counters(ConnectionRecord &into, const ConnectionRecord &from)
{
	into.bytes_sent += from.bytes_sent;
	into.bytes_received += from.bytes_received;
	into.packets_sent += from.packets_sent;
	into.packets_received += from.packets_received;
	into.start_time_ns = std::min(into.start_time_ns, from.start_time_ns);
}

void fill_socket(ConnectionRecord &record, const DecodedUdpSocket &socket)
{
	assign_owner(record, socket.owner);
	record.netns = socket.netns;
	record.closed = socket.closed;
	record.close_time_ns = socket.close_time_ns;
}

} // namespace

std::vector<DecodedConnection> assemble_udp_flows(std::vector<DecodedConnection> hashed,
						  const UdpSocketsByCookie &sockets)
{
	std::vector<DecodedConnection> flows = std::move(hashed);

	/* Two sockets never share a key (it holds the socket cookie), so only
	 * the hashed flows need an index. */
	std::unordered_map<ConnectionKey, std::size_t, ConnectionKeyHash> position;
	position.reserve(flows.size());
	for (std::size_t i = 0; i < flows.size(); ++i)
		position.emplace(flows[i].key, i);

	for (const auto &[cookie, socket] : sockets) {
		if (!socket.first_flow)
			continue;
		auto twin = position.find(socket.first_flow->key);
		if (twin != position.end())
			add_counters(flows[twin->second].record, socket.first_flow->record);
		else
			flows.push_back(*socket.first_flow);
	}

	for (DecodedConnection &flow : flows) {
		if (auto socket = sockets.find(flow.key.socket_cookie); socket != sockets.end())
			fill_socket(flow.record, socket->second);
	}
	return flows;
}

} // namespace tcptop::linux_impl
