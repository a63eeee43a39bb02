// SPDX-License-Identifier: MIT
// What the sock_diag collector reports in features(): what it sees, and what it cannot.
#include "linux/sock_diag/sock_diag_features.h"

#include "linux/privileges.h"

namespace tcptop::linux_impl {

std::vector<FeatureStatus> sock_diag_features(const Options &options, const std::string &udp_problem)
{
	const char *dumps = "sock_diag inet_diag dumps each interval";
	std::vector<FeatureStatus> features;
	if (options.protocols.tcp) {
		features.push_back({Feature::tcp_counters, true, "sock_diag inet_diag (tcp_info)",
				    "totals as of the last dump"});
		features.push_back({Feature::tcp_lifecycle, true, dumps,
				    "a connection that opens and closes between two dumps is missed, "
				    "and counted in connections_unseen; "
				    "a closed connection carries the totals of the last dump that saw it; "
				    "the role is read from whether tcp_info counted a SYN (until the socket is first idle: "
				    "a listener on its port)"});
	} else {
		features.push_back({Feature::tcp_counters, false, {}, "TCP not asked for"});
		features.push_back({Feature::tcp_lifecycle, false, {}, "TCP not asked for"});
	}
	features.push_back({Feature::udp_counters, false, {},
			    options.protocols.udp ? "sock_diag reports no UDP byte or datagram counts: "
						    "UDP records carry endpoints and owners only, their counts 0"
						  : "UDP not asked for"});
	if (!options.protocols.udp)
		features.push_back({Feature::udp_lifecycle, false, {}, "UDP not asked for"});
	else if (!udp_problem.empty())
		features.push_back({Feature::udp_lifecycle, false, {},
				    "no UDP dump (a kernel without CONFIG_INET_UDP_DIAG?): " + udp_problem});
	else
		features.push_back({Feature::udp_lifecycle, true, dumps,
				    "a socket that opens and closes between two dumps is missed"});
	features.push_back({Feature::socket_owners, true, "/proc/PID/fd",
			    can_read_every_process()
				    ? std::string()
				    : "missing CAP_SYS_PTRACE: only this user's processes are read"});
	if (can_enter_other_namespaces())
		features.push_back({Feature::other_namespaces, true, "sock_diag in each namespace (setns)", {}});
	else
		features.push_back({Feature::other_namespaces, false, {},
				    "missing CAP_SYS_ADMIN (setns): only this namespace's sockets are dumped"});
	return features;
}

} // namespace tcptop::linux_impl
