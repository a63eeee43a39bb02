// SPDX-License-Identifier: MIT
// Names of the features a collector reports on.
#include <tcptop/features.h>

namespace tcptop {

std::string_view to_string(Feature feature) noexcept
{
	switch (feature) {
	case Feature::tcp_counters:
		return "tcp_counters";
	case Feature::tcp_lifecycle:
		return "tcp_lifecycle";
	case Feature::udp_counters:
		return "udp_counters";
	case Feature::udp_lifecycle:
		return "udp_lifecycle";
	case Feature::socket_owners:
		return "socket_owners";
	case Feature::other_namespaces:
		return "other_namespaces";
	}
	return "unknown";
}

} // namespace tcptop
