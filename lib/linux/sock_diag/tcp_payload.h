// SPDX-License-Identifier: MIT
// What tcp_info says of a connection's payload and of the side that opened it.
#pragma once

#include <cstdint>
#include <optional>

#include <tcptop/connection_record.h>

#include "linux/sock_diag/inet_diag_dump.h"

namespace tcptop::linux_impl {

/// The payload the peer acknowledged, as the eBPF collector reports it.
/// Exact when nothing is in flight; else from bytes_acked, less the SYN
/// that \p role says this side sent.
std::uint64_t acknowledged_payload(const DiagSocket &socket, Role role);

/// The payload received in order: tcp_info counts the peer's FIN too,
/// once it came (the states after it).
std::uint64_t received_payload(const DiagSocket &socket);

/// Which side opened the connection, as tcp_info's counters tell once
/// nothing is in flight; no value until then.
std::optional<Role> open_side(const DiagSocket &socket);

} // namespace tcptop::linux_impl
