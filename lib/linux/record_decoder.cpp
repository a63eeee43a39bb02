// SPDX-License-Identifier: MIT
// RecordDecoder: turns the kernel/user contract's records into ConnectionRecords.
#include "record_decoder.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include <sys/socket.h>

namespace tcptop::linux_impl {

namespace {

/* Indexed by the kernel's TCP state numbers (include/net/tcp_states.h). */
constexpr std::array<std::string_view, 14> tcp_state_names = {
	"",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",     "FIN_WAIT1",
	"FIN_WAIT2", "TIME_WAIT",   "CLOSE",     "CLOSE_WAIT",   "LAST_ACK",
	"LISTEN",    "CLOSING",     "NEW_SYN_RECV", "BOUND_INACTIVE",
};
constexpr std::string_view closed_state = "CLOSE";

std::string_view tcp_state_name(unsigned state)
{
	return state < tcp_state_names.size() ? tcp_state_names[state] : "UNKNOWN";
}

bool is_v4_mapped(const __u8 *address)
{
	static constexpr std::array<__u8, 12> prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return std::memcmp(address, prefix.data(), prefix.size()) == 0;
}

bool is_unspecified(const __u8 *address)
{
	return std::all_of(address, address + 16, [](__u8 byte) { return byte == 0; });
}

IpAddress copy_address(const __u8 *raw, std::size_t length)
{
	IpAddress address{};
	std::memcpy(address.data(), raw, length);
	return address;
}

/* ::ffff:a.b.c.d becomes a.b.c.d; :: stays all zeros. */
IpAddress unmap_v4(const __u8 *raw)
{
	return is_v4_mapped(raw) ? copy_address(raw + 12, 4) : IpAddress{};
}

/* An AF_INET6 socket talking to an IPv4 peer carries ::ffff:a.b.c.d; report
 * it as the IPv4 connection it is. */
void fill_endpoints(ConnectionRecord &record, unsigned family, const __u8 *local,
		    const __u8 *remote)
{
	if (family == AF_INET) {
		record.family = AddressFamily::ipv4;
		record.local_addr = copy_address(local, 4);
		record.remote_addr = copy_address(remote, 4);
	} else if (is_v4_mapped(remote) && (is_v4_mapped(local) || is_unspecified(local))) {
		record.family = AddressFamily::ipv4;
		record.local_addr = unmap_v4(local);
		record.remote_addr = unmap_v4(remote);
	} else {
		record.family = AddressFamily::ipv6;
		record.local_addr = copy_address(local, 16);
		record.remote_addr = copy_address(remote, 16);
	}
}

std::string comm_text(const char (&comm)[TCPTOP_COMM_LEN])
{
	return std::string(comm, strnlen(comm, TCPTOP_COMM_LEN));
}

} // namespace

RecordDecoder::RecordDecoder(std::int64_t wall_minus_monotonic_ns)
	: wall_minus_monotonic_ns_(wall_minus_monotonic_ns)
{
}

std::uint64_t RecordDecoder::wall_time(std::uint64_t monotonic_ns) const noexcept
{
	return monotonic_ns ? monotonic_ns + wall_minus_monotonic_ns_ : 0;
}

void RecordDecoder::fill_owner(ConnectionRecord &record, const tcptop_owner &owner) const
{
	record.pid = owner.pid;
	record.comm = owner.pid ? comm_text(owner.comm) : std::string();
	record.cgroup_id = owner.cgroup_id;
}

ConnectionRecord RecordDecoder::owner(const tcptop_owner &owner) const
{
	ConnectionRecord record;
	fill_owner(record, owner);
	return record;
}

DecodedConnection RecordDecoder::tcp(const tcptop_tcp_record &raw) const
{
	DecodedConnection decoded;
	ConnectionRecord &record = decoded.record;
	bool closed = raw.kind == TCPTOP_EVENT_TCP_CLOSED;

	decoded.key.protocol = Protocol::tcp;
	decoded.key.socket_cookie = raw.cookie;

	record.protocol = Protocol::tcp;
	fill_endpoints(record, raw.family, raw.local_addr, raw.remote_addr);
	record.local_port = raw.local_port;
	record.remote_port = raw.remote_port;
	record.netns = raw.netns;
	fill_owner(record, raw.owner);
	record.role = static_cast<Role>(std::min<__u32>(raw.owner.role, TCPTOP_ROLE_SERVER));
	record.state = closed ? closed_state : tcp_state_name(raw.state);
	record.bytes_sent = raw.bytes_sent;
	record.bytes_received = raw.bytes_received;
	record.packets_sent = raw.segs_out;
	record.packets_received = raw.segs_in;
	record.srtt_us = raw.srtt_us;
	record.retransmits = raw.retransmits;
	record.start_time_ns = wall_time(raw.owner.start_ns);
	record.closed = closed;
	record.close_time_ns = wall_time(raw.close_ns);
	record.socket_cookie = raw.cookie;
	return decoded;
}

DecodedConnection RecordDecoder::udp_flow(const tcptop_udp_flow_key &key,
					  const tcptop_udp_flow &flow,
					  const tcptop_udp_socket *socket) const
{
	DecodedConnection decoded;
	ConnectionRecord &record = decoded.record;

	decoded.key.protocol = Protocol::udp;
	decoded.key.socket_cookie = key.cookie;
	std::memcpy(decoded.key.remote_addr.data(), key.remote_addr, 16);
	decoded.key.remote_port = key.remote_port;

	record.protocol = Protocol::udp;
	fill_endpoints(record, key.family, flow.local_addr, key.remote_addr);
	record.local_port = flow.local_port;
	record.remote_port = key.remote_port;
	record.bytes_sent = flow.bytes_sent;
	record.bytes_received = flow.bytes_received;
	record.packets_sent = flow.packets_sent;
	record.packets_received = flow.packets_received;
	record.start_time_ns = wall_time(flow.first_ns);
	record.socket_cookie = key.cookie;
	if (socket) {
		fill_owner(record, socket->owner);
		record.netns = socket->netns ? socket->netns : socket->owner.netns;
		record.closed = socket->close_ns != 0;
		record.close_time_ns = wall_time(socket->close_ns);
	}
	return decoded;
}

} // namespace tcptop::linux_impl
