// SPDX-License-Identifier: MIT
// InetDiagDump: the TCP and UDP sockets of the calling thread's network namespace, from NETLINK_SOCK_DIAG.
#include "linux/sock_diag/inet_diag_dump.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tcptop::linux_impl {

namespace {

constexpr std::uint32_t state_bit(TcpState state)
{
	return 1u << static_cast<unsigned>(state);
}

/* Named one by one: a mask of all would also ask, from Linux 6.7, for the
 * sockets only bound (BOUND_INACTIVE), which are no connections. */
std::uint32_t states_of(Protocol protocol)
{
	if (protocol == Protocol::udp)
		return state_bit(TcpState::established) | state_bit(TcpState::close);
	std::uint32_t states = 0;
	for (TcpState state : {TcpState::established, TcpState::syn_sent, TcpState::syn_recv,
			       TcpState::fin_wait1, TcpState::fin_wait2, TcpState::close_wait,
			       TcpState::last_ack, TcpState::listen, TcpState::closing})
		states |= state_bit(state);
	return states;
}

void copy_address(const __be32 (&words)[4], int family, IpAddress &address)
{
	std::memcpy(address.data(), words, family == AF_INET ? 4 : 16);
}

/* An IPv4-mapped IPv6 socket reports IPv4, as the eBPF collector does. */
void unmap_ipv4(DiagSocket &socket)
{
	static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	auto mapped = [](const IpAddress &a) { return std::memcmp(a.data(), prefix, 12) == 0; };
	if (socket.family != AddressFamily::ipv6 || !mapped(socket.local_addr) ||
	    !(mapped(socket.remote_addr) || socket.remote_addr == IpAddress{}))
		return;
	socket.family = AddressFamily::ipv4;
	for (IpAddress *address : {&socket.local_addr, &socket.remote_addr}) {
		IpAddress unmapped{};
		if (mapped(*address))
			std::memcpy(unmapped.data(), address->data() + 12, 4);
		*address = unmapped;
	}
}

/* \p info_length: the bytes of tcp_info the kernel sent, as older kernels
 * send fewer. */
DiagSocket socket_of(Protocol protocol, const inet_diag_msg &message, const tcp_info *info,
		     std::size_t info_length)
{
	DiagSocket socket;
	socket.protocol = protocol;
	int family = message.idiag_family;
	socket.family = family == AF_INET6 ? AddressFamily::ipv6 : AddressFamily::ipv4;
	copy_address(message.id.idiag_src, family, socket.local_addr);
	copy_address(message.id.idiag_dst, family, socket.remote_addr);
	socket.local_port = ntohs(message.id.idiag_sport);
	socket.remote_port = ntohs(message.id.idiag_dport);
	socket.state = static_cast<TcpState>(message.idiag_state);
	socket.socket_cookie = static_cast<std::uint64_t>(message.id.idiag_cookie[1]) << 32 |
			       message.id.idiag_cookie[0];
	socket.inode = message.idiag_inode;
	if (info) {
		socket.bytes_acked = info->tcpi_bytes_acked;
		socket.bytes_sent = info->tcpi_bytes_sent;
		socket.bytes_retrans = info->tcpi_bytes_retrans;
		socket.counts_sent = info_length >= offsetof(tcp_info, tcpi_bytes_retrans) +
							   sizeof(info->tcpi_bytes_retrans);
		socket.unacked = info->tcpi_unacked;
		socket.bytes_received = info->tcpi_bytes_received;
		socket.segs_out = info->tcpi_segs_out;
		socket.segs_in = info->tcpi_segs_in;
		socket.srtt_us = info->tcpi_rtt;
		socket.total_retrans = info->tcpi_total_retrans;
	}
	unmap_ipv4(socket);
	return socket;
}

} // namespace

InetDiagDump::InetDiagDump()
{
	fd_ = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd_ < 0) {
		error_number_ = errno;
		error_ = std::string("cannot open a NETLINK_SOCK_DIAG socket: ") + std::strerror(errno);
	}
}

bool InetDiagDump::kernel_lacks_it() const
{
	/* No NETLINK_SOCK_DIAG at all, or no inet_diag handler for the protocol. */
	return error_number_ == EPROTONOSUPPORT || error_number_ == ENOENT;
}

InetDiagDump::~InetDiagDump()
{
	if (fd_ >= 0)
		close(fd_);
}

bool InetDiagDump::dump(Protocol protocol, std::vector<DiagSocket> &sockets)
{
	if (fd_ < 0)
		return false;
	std::uint32_t states = states_of(protocol);
	return dump_family(protocol, AF_INET, states, sockets) &&
	       dump_family(protocol, AF_INET6, states, sockets);
}

bool InetDiagDump::answers(Protocol protocol)
{
	if (fd_ < 0)
		return false;
	std::vector<DiagSocket> none;
	return dump_family(protocol, AF_INET, 0, none);
}

bool InetDiagDump::dump_family(Protocol protocol, int family, std::uint32_t states,
				std::vector<DiagSocket> &sockets)
{
	struct {
		nlmsghdr header;
		inet_diag_req_v2 request;
	} message{};
	message.header.nlmsg_len = sizeof(message);
	message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	message.header.nlmsg_seq = ++sequence_;
	message.request.sdiag_family = static_cast<std::uint8_t>(family);
	message.request.sdiag_protocol = protocol == Protocol::tcp ? IPPROTO_TCP : IPPROTO_UDP;
	message.request.idiag_states = states;
	if (protocol == Protocol::tcp)
		message.request.idiag_ext = 1 << (INET_DIAG_INFO - 1);

	sockaddr_nl kernel{};
	kernel.nl_family = AF_NETLINK;
	while (sendto(fd_, &message, sizeof(message), 0, reinterpret_cast<sockaddr *>(&kernel),
		      sizeof(kernel)) < 0) {
		if (errno == EINTR)
			continue;
		error_number_ = errno;
		error_ = std::string("cannot ask for a dump: ") + std::strerror(errno);
		return false;
	}

	/* The kernel fills each read with as many whole messages as fit. */
	alignas(nlmsghdr) static thread_local char buffer[64 * 1024];
	for (;;) {
		ssize_t length = recv(fd_, buffer, sizeof(buffer), 0);
		if (length < 0) {
			if (errno == EINTR)
				continue;
			error_number_ = errno;
			error_ = std::string("cannot read the dump: ") + std::strerror(errno);
			return false;
		}
		int left = static_cast<int>(length);
		for (auto *header = reinterpret_cast<nlmsghdr *>(buffer); NLMSG_OK(header, left);
		     header = NLMSG_NEXT(header, left)) {
			if (header->nlmsg_seq != sequence_)
				continue;
			/* A dump that fails part-way ends with DONE carrying the error:
			 * what came before is not the whole list. */
			if (header->nlmsg_type == NLMSG_DONE) {
				int status = 0;
				if (header->nlmsg_len >= NLMSG_LENGTH(sizeof(status)))
					std::memcpy(&status, NLMSG_DATA(header), sizeof(status));
				if (status >= 0)
					return true;
				error_number_ = -status;
				error_ = std::string("the dump stopped part-way: ") + std::strerror(-status);
				return false;
			}
			if (header->nlmsg_type == NLMSG_ERROR) {
				int status = -EPROTO;
				if (header->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr)))
					status = static_cast<nlmsgerr *>(NLMSG_DATA(header))->error;
				if (status == 0)
					continue; /* an acknowledgment, not asked for */
				error_number_ = status < 0 ? -status : EPROTO;
				error_ = std::string("the kernel refused the dump: ") + std::strerror(error_number_);
				return false;
			}
			if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    header->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
				continue;
			auto *diag = static_cast<inet_diag_msg *>(NLMSG_DATA(header));
			tcp_info info{};
			std::size_t info_length = 0;
			int attributes_length = static_cast<int>(header->nlmsg_len - NLMSG_LENGTH(sizeof(*diag)));
			for (auto *attribute = reinterpret_cast<rtattr *>(diag + 1);
			     RTA_OK(attribute, attributes_length);
			     attribute = RTA_NEXT(attribute, attributes_length)) {
				if (attribute->rta_type != INET_DIAG_INFO)
					continue;
				info_length = std::min<std::size_t>(RTA_PAYLOAD(attribute), sizeof(info));
				std::memcpy(&info, RTA_DATA(attribute), info_length);
			}
			sockets.push_back(socket_of(protocol, *diag, info_length ? &info : nullptr, info_length));
		}
	}
}

} // namespace tcptop::linux_impl
