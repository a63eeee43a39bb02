// SPDX-License-Identifier: MIT
// ConnectionRecord: one TCP connection or UDP flow, as a snapshot reports it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <tcptop/export.h>

namespace tcptop {

/// The transport protocol of a record.
enum class Protocol : std::uint8_t {
	tcp, ///< a TCP connection
	udp, ///< a UDP flow
};

/// The address family of a record's addresses.
enum class AddressFamily : std::uint8_t {
	ipv4, ///< IPv4, also for IPv4-mapped IPv6 sockets
	ipv6, ///< IPv6
};

/**
 * \brief A TCP connection's state, numbered as the kernel numbers it
 * (include/net/tcp_states.h); to_string() gives the kernel's name.
 */
enum class TcpState : std::uint8_t {
	none = 0,            ///< not a TCP record (UDP): ""
	established = 1,     ///< "ESTABLISHED"
	syn_sent = 2,        ///< "SYN_SENT"
	syn_recv = 3,        ///< "SYN_RECV"
	fin_wait1 = 4,       ///< "FIN_WAIT1"
	fin_wait2 = 5,       ///< "FIN_WAIT2"
	time_wait = 6,       ///< "TIME_WAIT"
	close = 7,           ///< "CLOSE": every closed TCP record
	close_wait = 8,      ///< "CLOSE_WAIT"
	last_ack = 9,        ///< "LAST_ACK"
	listen = 10,         ///< "LISTEN"
	closing = 11,        ///< "CLOSING"
	new_syn_recv = 12,   ///< "NEW_SYN_RECV"
	bound_inactive = 13, ///< "BOUND_INACTIVE"
	unknown = 255,       ///< a state this library does not know: "UNKNOWN"
};

/// How the connection was opened, from this socket's point of view.
enum class Role : std::uint8_t {
	unknown, ///< opened before the collector started, or a UDP flow
	client,  ///< active open (connect)
	server,  ///< accepted from a listening socket
};

/// 16 bytes in network order; an IPv4 address fills the first 4.
using IpAddress = std::array<std::uint8_t, 16>;

/**
 * \brief One TCP connection (one socket) or one UDP flow (one socket and one
 * remote endpoint), with totals since it opened.
 *
 * Field names are shared with the C ABI and the CLI's JSON output.
 */
struct ConnectionRecord {
	/// tcp or udp.
	Protocol protocol = Protocol::tcp;
	/// IPv4-mapped IPv6 sockets report ipv4 and their IPv4 addresses.
	AddressFamily family = AddressFamily::ipv4;
	/// This socket's address; format_address() gives its text.
	IpAddress local_addr{};
	/// This socket's port, in host order.
	std::uint16_t local_port = 0;
	/// The peer's address (for UDP, the flow's remote endpoint).
	IpAddress remote_addr{};
	/// The peer's port, in host order.
	std::uint16_t remote_port = 0;
	/// Inode number of the network namespace (as in /proc/PID/ns/net).
	std::uint32_t netns = 0;
	/// Thread group id of the owning process; 0 when not known.
	std::uint32_t pid = 0;
	/// Name of the owning process; empty when not known.
	std::string comm;
	/// cgroup v2 id of the owning process; 0 when not known.
	std::uint64_t cgroup_id = 0;
	/// TCP state (to_string() gives the kernel's name: "ESTABLISHED");
	/// TcpState::close once closed; TcpState::none for UDP.
	TcpState state = TcpState::none;
	/// How the connection was opened.
	Role role = Role::unknown;
	/// Payload bytes sent since it opened (or, for UDP, since the
	/// collector started); TCP retransmissions counted once.
	std::uint64_t bytes_sent = 0;
	/// Payload bytes received, like bytes_sent.
	std::uint64_t bytes_received = 0;
	/// TCP: segments sent including pure ACKs (segs_out). UDP: datagrams.
	std::uint64_t packets_sent = 0;
	/// TCP: segments received (segs_in). UDP: datagrams.
	std::uint64_t packets_received = 0;
	/// bytes_sent over the snapshot's interval, per second.
	double bytes_sent_per_sec = 0;
	/// bytes_received over the snapshot's interval, per second.
	double bytes_received_per_sec = 0;
	/// Smoothed round-trip time; 0 for UDP.
	std::uint32_t srtt_us = 0;
	/// Retransmitted segments; 0 for UDP.
	std::uint32_t retransmits = 0;
	/// Wall clock (ns since the epoch) when it opened, or was first seen.
	std::uint64_t start_time_ns = 0;
	/// True in the one snapshot that follows its close.
	bool closed = false;
	/// Wall clock of the close; 0 while open.
	std::uint64_t close_time_ns = 0;
	/// The kernel's socket cookie: stable for the socket's life, unique per boot.
	std::uint64_t socket_cookie = 0;
};

/// "tcp" or "udp".
TCPTOP_EXPORT std::string_view to_string(Protocol protocol) noexcept;
/// "ipv4" or "ipv6".
TCPTOP_EXPORT std::string_view to_string(AddressFamily family) noexcept;
/// "unknown", "client" or "server".
TCPTOP_EXPORT std::string_view to_string(Role role) noexcept;
/// The kernel's name of the state ("ESTABLISHED"); "" for TcpState::none.
TCPTOP_EXPORT std::string_view to_string(TcpState state) noexcept;

/// Text form of an address (inet_ntop), without brackets.
TCPTOP_EXPORT std::string format_address(AddressFamily family, const IpAddress &address);

} // namespace tcptop
