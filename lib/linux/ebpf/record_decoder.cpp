// SPDX-License-Identifier: MIT
// RecordDecoder: the kernel side's records, as bytes, turned into connections, sockets and owners.
#include "linux/ebpf/record_decoder.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <linux/types.h>
#include <sys/socket.h>

#include "bpf/kernel_contract.h"

namespace tcptop::linux_impl {

namespace {

/* The last TCP state this library names (include/net/tcp_states.h). */
constexpr unsigned last_known_tcp_state = static_cast<unsigned>(TcpState::bound_inactive);

TcpState tcp_state(unsigned kernel_state)
{
	return kernel_state <= last_known_tcp_state ? static_cast<TcpState>(kernel_state)
						    : TcpState::unknown;
}

/* The record of type \p Record at \p bytes, if there is room for one. */
template<typename Record>
std::optional<Record> read_record(Bytes bytes)
{
	if (bytes.size() < sizeof(Record))
		return std::nullopt;
	Record record;
	std::memcpy(&record, bytes.data(), sizeof(record));
	return record;
}

/* Each whole record of a pass of fixed-size records. */
template<typename Record, typename Visit>
void each_record(Bytes bytes, Visit &&visit)
{
	for (std::size_t at = 0; at + sizeof(Record) <= bytes.size(); at += sizeof(Record))
		visit(*read_record<Record>(bytes.subspan(at, sizeof(Record))));
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

Owner decode_owner(const tcptop_owner &owner)
{
	Owner decoded;
	decoded.pid = owner.pid;
	if (owner.pid)
		decoded.comm.assign(owner.comm, strnlen(owner.comm, TCPTOP_TASK_COMM_LEN));
	decoded.cgroup_id = owner.cgroup_id;
	return decoded;
}

/* The family a UDP flow is keyed by, as the kernel side wrote it. */
AddressFamily key_family(unsigned family)
{
	return family == AF_INET ? AddressFamily::ipv4 : AddressFamily::ipv6;
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
	assign_owner(record, decode_owner(raw.owner));
	record.role = static_cast<Role>(std::min<__u32>(raw.owner.role, TCPTOP_SOCK_ROLE_SERVER));
	record.state = closed ? TcpState::close : tcp_state(raw.state);
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
					  const tcptop_udp_flow &flow) const
{
	DecodedConnection decoded;
	ConnectionRecord &record = decoded.record;

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

	/* The remote endpoint exactly as the kernel side keyed it. */
	decoded.key.protocol = Protocol::udp;
	decoded.key.socket_cookie = key.cookie;
	decoded.key.family = key_family(key.family);
	std::memcpy(decoded.key.remote_addr.data(), key.remote_addr, 16);
	decoded.key.remote_port = key.remote_port;
	return decoded;
}

DecodedUdpSocket RecordDecoder::udp_socket(const tcptop_udp_socket &raw) const
{
	DecodedUdpSocket socket;
	socket.cookie = raw.cookie;
	socket.owner = decode_owner(raw.owner);
	socket.netns = raw.netns ? raw.netns : raw.owner.netns;
	socket.closed = raw.close_ns != 0;
	socket.close_time_ns = wall_time(raw.close_ns);
	/* Claimed but not yet READY: its key may be half written. */
	if (raw.first_flow.state == TCPTOP_FIRST_FLOW_READY)
		socket.first_flow = udp_flow(raw.first_flow.key, raw.first_flow.counters);
	return socket;
}

DecodedEvent RecordDecoder::event(Bytes bytes) const
{
	std::optional<__u32> kind = read_record<__u32>(bytes);
	if (!kind)
		return {};
	switch (*kind) {
	case TCPTOP_EVENT_TCP_CLOSED:
		if (auto raw = read_record<tcptop_tcp_record>(bytes))
			return TcpClosed{tcp(*raw)};
		break;
	case TCPTOP_EVENT_UDP_RELEASED:
		if (auto raw = read_record<tcptop_udp_socket>(bytes))
			return UdpReleased{udp_socket(*raw)};
		break;
	case TCPTOP_EVENT_OWNER_LEARNED:
		if (auto raw = read_record<tcptop_owner_record>(bytes))
			return OwnerLearned{raw->cookie, decode_owner(raw->owner)};
		break;
	}
	return {};
}

void RecordDecoder::each_tcp_socket(
	Bytes bytes, const std::function<void(const DecodedConnection &)> &visit) const
{
	each_record<tcptop_tcp_record>(bytes, [&](const tcptop_tcp_record &raw) {
		visit(tcp(raw));
	});
}

std::vector<DecodedUdpSocket> RecordDecoder::udp_sockets(Bytes bytes) const
{
	std::vector<DecodedUdpSocket> sockets;
	sockets.reserve(bytes.size() / sizeof(tcptop_udp_socket));
	each_record<tcptop_udp_socket>(bytes, [&](const tcptop_udp_socket &raw) {
		sockets.push_back(udp_socket(raw));
	});
	return sockets;
}

OwnersByCookie RecordDecoder::socket_owners(Bytes bytes,
					    const std::unordered_set<std::uint64_t> &wanted) const
{
	/* The walk lists every socket of every process; only those asked for
	 * are kept, so this stays as small as the table. */
	OwnersByCookie owners;
	each_record<tcptop_owner_record>(bytes, [&](const tcptop_owner_record &raw) {
		if (wanted.contains(raw.cookie))
			owners.emplace(raw.cookie, decode_owner(raw.owner));
	});
	return owners;
}

std::optional<DecodedConnection> RecordDecoder::udp_flow(Bytes key, Bytes value) const
{
	if (key.size() != sizeof(tcptop_udp_flow_key) || value.size() != sizeof(tcptop_udp_flow))
		return std::nullopt;
	return udp_flow(*read_record<tcptop_udp_flow_key>(key), *read_record<tcptop_udp_flow>(value));
}

SourceCounters RecordDecoder::drop_counts(Bytes per_cpu_counters) const
{
	SourceCounters counts;
	std::size_t length = per_cpu_counters.size() / TCPTOP_DROP_COUNTER_COUNT;
	if (length == 0 || length % sizeof(__u64) != 0 ||
	    length * TCPTOP_DROP_COUNTER_COUNT != per_cpu_counters.size())
		return counts;

	/* Each counter (enum tcptop_drop_counter) is the sum of its per-CPU
	 * values. */
	auto total = [&](tcptop_drop_counter counter) {
		std::uint64_t sum = 0;
		each_record<__u64>(per_cpu_counters.subspan(counter * length, length),
				   [&](__u64 count) { sum += count; });
		return sum;
	};
	counts.events_dropped = total(TCPTOP_DROP_RINGBUF_FULL);
	counts.udp_datagrams_untracked = total(TCPTOP_DROP_FLOW_TABLE_FULL);
	counts.udp_datagrams_unparsed = total(TCPTOP_DROP_UDP_UNPARSED);
	return counts;
}

} // namespace tcptop::linux_impl
