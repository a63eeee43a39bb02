// SPDX-License-Identifier: MIT
// struct tcptop_snapshot: a tcptop::Snapshot laid out as the C structs, made once per delivery.
#include "capi/snapshot_data.h"

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace tcptop::capi {

/* These layouts are the ABI that callers (and examples/tcptop_ctypes.py)
 * were built against: fields may be appended, never moved. */
static_assert(sizeof(tcptop_connection) == 168 && offsetof(tcptop_connection, comm) == 48 &&
	      offsetof(tcptop_connection, socket_cookie) == 160);
static_assert(sizeof(tcptop_stats) == 80 && offsetof(tcptop_stats, snapshots_coalesced) == 32 &&
	      offsetof(tcptop_stats, connections_unseen) == 72);

namespace {

/* Cut to fit, always NUL-terminated: comm and state are short in the
 * kernel, but a C caller must never read past the array. */
template<std::size_t N>
void copy_text(char (&to)[N], std::string_view from)
{
	std::size_t length = std::min(from.size(), N - 1);
	from.copy(to, length);
	to[length] = '\0';
}

std::uint8_t to_c(Protocol protocol)
{
	return protocol == Protocol::tcp ? TCPTOP_PROTO_TCP : TCPTOP_PROTO_UDP;
}

std::uint8_t to_c(AddressFamily family)
{
	return family == AddressFamily::ipv4 ? TCPTOP_FAMILY_IPV4 : TCPTOP_FAMILY_IPV6;
}

std::uint8_t to_c(Role role)
{
	switch (role) {
	case Role::client:
		return TCPTOP_ROLE_CLIENT;
	case Role::server:
		return TCPTOP_ROLE_SERVER;
	case Role::unknown:
		break;
	}
	return TCPTOP_ROLE_UNKNOWN;
}

tcptop_connection to_c(const ConnectionRecord &record)
{
	tcptop_connection c{};
	c.protocol = to_c(record.protocol);
	c.family = to_c(record.family);
	c.role = to_c(record.role);
	c.closed = record.closed ? 1 : 0;
	c.local_port = record.local_port;
	c.remote_port = record.remote_port;
	std::copy(record.local_addr.begin(), record.local_addr.end(), c.local_addr);
	std::copy(record.remote_addr.begin(), record.remote_addr.end(), c.remote_addr);
	c.netns = record.netns;
	c.pid = record.pid;
	copy_text(c.comm, record.comm);
	copy_text(c.state, to_string(record.state));
	c.cgroup_id = record.cgroup_id;
	c.bytes_sent = record.bytes_sent;
	c.bytes_received = record.bytes_received;
	c.packets_sent = record.packets_sent;
	c.packets_received = record.packets_received;
	c.bytes_sent_per_sec = record.bytes_sent_per_sec;
	c.bytes_received_per_sec = record.bytes_received_per_sec;
	c.srtt_us = record.srtt_us;
	c.retransmits = record.retransmits;
	c.start_time_ns = record.start_time_ns;
	c.close_time_ns = record.close_time_ns;
	c.socket_cookie = record.socket_cookie;
	return c;
}

} // namespace

std::unique_ptr<tcptop_snapshot> make_c_snapshot(const Snapshot &snapshot)
{
	auto c = std::make_unique<tcptop_snapshot>();
	c->timestamp_ns = snapshot.timestamp_ns;
	c->interval_ns = snapshot.interval_ns;
	c->stats.events = snapshot.stats.events;
	c->stats.events_dropped = snapshot.stats.events_dropped;
	c->stats.connections_tracked = snapshot.stats.connections_tracked;
	c->stats.connections_evicted = snapshot.stats.connections_evicted;
	c->stats.snapshots_coalesced = snapshot.stats.snapshots_coalesced;
	c->stats.udp_datagrams_untracked = snapshot.stats.udp_datagrams_untracked;
	c->stats.udp_datagrams_unparsed = snapshot.stats.udp_datagrams_unparsed;
	c->stats.collection_ns = snapshot.stats.collection_ns;
	c->stats.program_runs_missed = snapshot.stats.program_runs_missed;
	c->stats.connections_unseen = snapshot.stats.connections_unseen;
	c->connections.reserve(snapshot.connections.size());
	for (const ConnectionRecord &record : snapshot.connections)
		c->connections.push_back(to_c(record));
	return c;
}

} // namespace tcptop::capi

void tcptop_snapshot_free(struct tcptop_snapshot *s)
{
	delete s;
}

size_t tcptop_snapshot_connection_count(const struct tcptop_snapshot *s)
{
	return s ? s->connections.size() : 0;
}

const struct tcptop_connection *tcptop_snapshot_connection(const struct tcptop_snapshot *s, size_t i)
{
	if (!s || i >= s->connections.size())
		return nullptr;
	return &s->connections[i];
}

uint64_t tcptop_snapshot_timestamp_ns(const struct tcptop_snapshot *s)
{
	return s ? s->timestamp_ns : 0;
}

uint64_t tcptop_snapshot_interval_ns(const struct tcptop_snapshot *s)
{
	return s ? s->interval_ns : 0;
}

const struct tcptop_stats *tcptop_snapshot_stats(const struct tcptop_snapshot *s)
{
	return s ? &s->stats : nullptr;
}
