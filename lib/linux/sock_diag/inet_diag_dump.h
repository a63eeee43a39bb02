// SPDX-License-Identifier: MIT
// InetDiagDump: the TCP and UDP sockets of the calling thread's network namespace, from NETLINK_SOCK_DIAG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tcptop/connection_record.h>

namespace tcptop::linux_impl {

/// One socket as inet_diag reports it.
struct DiagSocket {
	Protocol protocol = Protocol::tcp;
	AddressFamily family = AddressFamily::ipv4;
	IpAddress local_addr{};
	std::uint16_t local_port = 0;
	IpAddress remote_addr{};
	std::uint16_t remote_port = 0;
	/// TCP's state; UDP reports established when connected, close when not.
	TcpState state = TcpState::none;
	std::uint64_t socket_cookie = 0;
	/// The socket's inode, as /proc/PID/fd links name it ("socket:[N]").
	std::uint64_t inode = 0;
	/// From tcp_info (TCP only; 0 for UDP).
	std::uint64_t bytes_acked = 0;
	/// Payload sent, retransmissions included, and retransmitted; only when
	/// counts_sent (Linux 4.19 and later).
	std::uint64_t bytes_sent = 0;
	std::uint64_t bytes_retrans = 0;
	bool counts_sent = false;
	/// Segments in flight, the FIN included.
	std::uint32_t unacked = 0;
	std::uint64_t bytes_received = 0;
	std::uint64_t segs_out = 0;
	std::uint64_t segs_in = 0;
	std::uint32_t srtt_us = 0;
	std::uint32_t total_retrans = 0;
};

/**
 * \brief Dumps sockets of one protocol and both families with one
 * NETLINK_SOCK_DIAG socket, made in the calling thread's network namespace.
 *
 * TCP: connections from SYN_SENT to LAST_ACK, with tcp_info (not
 * TIME_WAIT: it has closed, as the eBPF collector counts it); listeners
 * too, which tell servers' connections from clients'.
 * UDP: every socket that has a remote endpoint or a local port.
 */
class InetDiagDump
{
public:
	/// Opens the netlink socket; error() says why when it cannot.
	InetDiagDump();
	~InetDiagDump();
	InetDiagDump(const InetDiagDump &) = delete;
	InetDiagDump &operator=(const InetDiagDump &) = delete;

	/// Appends the sockets of \p protocol to \p sockets; false, with error()
	/// set, when the dump failed (the list is then incomplete).
	bool dump(Protocol protocol, std::vector<DiagSocket> &sockets);

	/// Whether the kernel answers dumps of \p protocol, asking for no
	/// state so that no socket is walked; error() says why not.
	bool answers(Protocol protocol);

	/// Whether the last failure says the kernel has no sock_diag for
	/// inet sockets (built without it, or its module not loaded), rather
	/// than a refusal of this process (no file descriptors, a sandbox).
	bool kernel_lacks_it() const;
	const std::string &error() const { return error_; }

private:
	bool dump_family(Protocol protocol, int family, std::uint32_t states,
			 std::vector<DiagSocket> &sockets);

	int fd_ = -1;
	std::uint32_t sequence_ = 0;
	std::string error_;
	int error_number_ = 0;
};

} // namespace tcptop::linux_impl
