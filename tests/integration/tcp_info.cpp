// SPDX-License-Identifier: MIT
// What the kernel says of a TCP socket (TCP_INFO), beyond what glibc's header names.
#include "tcp_info.h"

/* The kernel's own struct tcp_info: glibc's has no tcpi_bytes_acked, and the
 * two headers cannot be included together. */
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace traffic {

TcpInfo tcp_info_of(int fd)
{
	tcp_info info{};
	socklen_t length = sizeof(info);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
		return {};
	return {info.tcpi_unacked, info.tcpi_bytes_acked};
}

} // namespace traffic
