// SPDX-License-Identifier: MIT
// What tcp_info says of a connection's payload and of the side that opened it.
#include "linux/sock_diag/tcp_payload.h"

namespace tcptop::linux_impl {

namespace {

/* Payload sent once: tcp_info counts retransmissions in bytes_sent. No
 * value from kernels before 4.19, whose tcp_info has no bytes_sent. */
std::optional<std::uint64_t> payload_sent_once(const DiagSocket &socket)
{
	if (!socket.counts_sent || socket.bytes_sent < socket.bytes_retrans)
		return std::nullopt;
	return socket.bytes_sent - socket.bytes_retrans;
}

} // namespace

std::uint64_t acknowledged_payload(const DiagSocket &socket, Role role)
{
	if (socket.unacked == 0)
		if (std::optional<std::uint64_t> sent = payload_sent_once(socket))
			return *sent;
	/* bytes_acked counts sequence numbers: the SYN on the side that
	 * connected, and this side's FIN once acknowledged, which cannot be
	 * while anything is in flight (the FIN goes last). */
	std::uint64_t payload = socket.bytes_acked;
	if (role == Role::client && payload)
		--payload;
	return payload;
}

std::uint64_t received_payload(const DiagSocket &socket)
{
	bool peer_finished = socket.state == TcpState::close_wait || socket.state == TcpState::last_ack ||
			     socket.state == TcpState::closing;
	return peer_finished && socket.bytes_received ? socket.bytes_received - 1 : socket.bytes_received;
}

std::optional<Role> open_side(const DiagSocket &socket)
{
	if (socket.unacked != 0 || socket.state == TcpState::syn_sent || socket.state == TcpState::syn_recv)
		return std::nullopt;
	std::optional<std::uint64_t> sent = payload_sent_once(socket);
	if (!sent || socket.bytes_acked < *sent)
		return std::nullopt;
	/* With nothing in flight, bytes_acked exceeds the payload by the SYN
	 * on the side that connected, and by this side's FIN once acknowledged. */
	std::uint64_t sequence_only = socket.bytes_acked - *sent;
	if (socket.state == TcpState::fin_wait2 && sequence_only)
		--sequence_only;
	if (sequence_only == 1)
		return Role::client;
	if (sequence_only == 0)
		return Role::server;
	return std::nullopt;
}

} // namespace tcptop::linux_impl
