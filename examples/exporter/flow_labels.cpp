// SPDX-License-Identifier: MIT
// The labels of the exporter's flow series: which the user chose, and their values for one record.
#include "flow_labels.h"

#include <algorithm>
#include <array>
#include <fstream>

#include "argument_values.h"
#include "text.h"

namespace tcptop::exporter {

namespace {

constexpr std::array all_labels{
	FlowLabel::comm,         FlowLabel::pid,       FlowLabel::container,
	FlowLabel::transport,    FlowLabel::family,    FlowLabel::peer_address,
	FlowLabel::peer_port,    FlowLabel::local_port, FlowLabel::direction,
};

std::string port_value(std::uint16_t port, bool ephemeral)
{
	return ephemeral ? std::string() : std::to_string(port);
}

} // namespace

std::string_view label_name(FlowLabel label)
{
	switch (label) {
	case FlowLabel::comm: return "comm";
	case FlowLabel::pid: return "pid";
	case FlowLabel::container: return "container";
	case FlowLabel::transport: return "transport";
	case FlowLabel::family: return "family";
	case FlowLabel::peer_address: return "peer_address";
	case FlowLabel::peer_port: return "peer_port";
	case FlowLabel::local_port: return "local_port";
	case FlowLabel::direction: return "direction";
	}
	return "";
}

std::vector<FlowLabel> default_flow_labels()
{
	std::vector<FlowLabel> labels(all_labels.begin(), all_labels.end());
	std::erase(labels, FlowLabel::pid);
	return labels;
}

std::optional<std::vector<FlowLabel>> parse_flow_labels(std::string_view list, std::string &error)
{
	std::vector<FlowLabel> chosen;
	for (;;) {
		std::size_t comma = list.find(',');
		std::string_view name = list.substr(0, comma);
		auto known = std::find_if(all_labels.begin(), all_labels.end(),
					  [&](FlowLabel label) { return label_name(label) == name; });
		if (known == all_labels.end()) {
			error = "unknown label " + cli::quoted(name) +
				" (labels: comm, pid, container, transport, family, peer_address, peer_port, local_port, direction)";
			return std::nullopt;
		}
		if (std::find(chosen.begin(), chosen.end(), *known) != chosen.end()) {
			error = "label " + cli::quoted(name) + " given twice";
			return std::nullopt;
		}
		chosen.push_back(*known);
		if (comma == std::string_view::npos)
			break;
		list.remove_prefix(comma + 1);
	}
	std::sort(chosen.begin(), chosen.end());
	return chosen;
}

EphemeralPorts EphemeralPorts::of_host()
{
	EphemeralPorts ports;
	std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
	unsigned first = 0, last = 0;
	if (range >> first >> last && first <= last && last <= 65535) {
		ports.first = static_cast<std::uint16_t>(first);
		ports.last = static_cast<std::uint16_t>(last);
	}
	return ports;
}

bool EphemeralPorts::local_is_ephemeral(const ConnectionRecord &record) const
{
	switch (record.role) {
	case Role::client: return true;
	case Role::server: return false;
	case Role::unknown: break;
	}
	return in_range(record.local_port) && !in_range(record.remote_port);
}

bool EphemeralPorts::peer_is_ephemeral(const ConnectionRecord &record) const
{
	switch (record.role) {
	case Role::client: return false;
	case Role::server: return true;
	case Role::unknown: break;
	}
	return in_range(record.remote_port) && !in_range(record.local_port);
}

std::vector<std::string> label_values(const std::vector<FlowLabel> &labels,
				      const ConnectionRecord &record, const Workload &workload,
				      const EphemeralPorts &ephemeral)
{
	std::vector<std::string> values;
	values.reserve(labels.size());
	for (FlowLabel label : labels) {
		switch (label) {
		case FlowLabel::comm:
			/* Bytes chosen by whoever started the process: the
			 * exposition format wants UTF-8, so shown inert. */
			values.push_back(cli::printable(record.comm));
			break;
		case FlowLabel::pid:
			values.push_back(record.pid ? std::to_string(record.pid) : std::string());
			break;
		case FlowLabel::container:
			values.push_back(workload.name());
			break;
		case FlowLabel::transport:
			values.emplace_back(to_string(record.protocol));
			break;
		case FlowLabel::family:
			values.emplace_back(to_string(record.family));
			break;
		case FlowLabel::peer_address:
			values.push_back(format_address(record.family, record.remote_addr));
			break;
		case FlowLabel::peer_port:
			values.push_back(port_value(record.remote_port, ephemeral.peer_is_ephemeral(record)));
			break;
		case FlowLabel::local_port:
			values.push_back(port_value(record.local_port, ephemeral.local_is_ephemeral(record)));
			break;
		case FlowLabel::direction:
			values.emplace_back(to_string(record.role));
			break;
		}
	}
	return values;
}

} // namespace tcptop::exporter
