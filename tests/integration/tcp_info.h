// SPDX-License-Identifier: MIT
// What the kernel says of a TCP socket (TCP_INFO), beyond what glibc's header names.
#pragma once

#include <cstdint>

namespace traffic {

struct TcpInfo {
	std::uint32_t unacked_segments = 0; ///< tcpi_unacked
	std::uint64_t bytes_acked = 0;      ///< tcpi_bytes_acked: includes our SYN if we connected
};

/// TCP_INFO of \p fd; all zero if it cannot be read.
TcpInfo tcp_info_of(int fd);

} // namespace traffic
