// SPDX-License-Identifier: MIT
// The labels of the exporter's flow series: which the user chose, and their values for one record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tcptop/connection_record.h>
#include <tcptop/workload.h>

namespace tcptop::exporter {

enum class FlowLabel {
	comm,         ///< the owning process's name
	pid,          ///< the owning process's id
	container,    ///< Workload::name(): container id, else systemd unit
	transport,    ///< "tcp" or "udp"
	family,       ///< "ipv4" or "ipv6"
	peer_address, ///< the remote address
	peer_port,    ///< the remote port, unless ephemeral
	local_port,   ///< the local port, unless ephemeral
	direction,    ///< "client", "server" or "unknown"
};

/// The label's name in the exposition ("peer_address").
std::string_view label_name(FlowLabel label);

/// Every label but pid; the ports are there, without their ephemeral side.
std::vector<FlowLabel> default_flow_labels();

/// "comm,container,peer_address": each a label name, once, in any order;
/// the result in the order of FlowLabel. No value, and \p error naming the
/// bad name, when the list is not such.
std::optional<std::vector<FlowLabel>> parse_flow_labels(std::string_view list, std::string &error);

/**
 * \brief The range the kernel picks ephemeral ports from
 * (net.ipv4.ip_local_port_range), and which port of a record is one.
 *
 * A client's local port and a server's peer port are ephemeral: a label
 * with them would make a series per connection. When the direction is not
 * known (UDP flows, connections older than the collector), a port in the
 * range is taken as ephemeral when the other port is not in it.
 */
struct EphemeralPorts {
	std::uint16_t first = 32768;
	std::uint16_t last = 60999;

	/// The host's range, or the kernel's default when it cannot be read.
	static EphemeralPorts of_host();

	[[nodiscard]] bool local_is_ephemeral(const ConnectionRecord &record) const;
	[[nodiscard]] bool peer_is_ephemeral(const ConnectionRecord &record) const;

private:
	[[nodiscard]] bool in_range(std::uint16_t port) const { return port >= first && port <= last; }
};

/// The values of \p labels for \p record: an ephemeral port's value is "",
/// which Prometheus reads as the label being absent.
std::vector<std::string> label_values(const std::vector<FlowLabel> &labels,
				      const ConnectionRecord &record, const Workload &workload,
				      const EphemeralPorts &ephemeral);

} // namespace tcptop::exporter
