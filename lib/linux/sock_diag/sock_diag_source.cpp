// SPDX-License-Identifier: MIT
// SockDiagSource: the sock_diag collector's Source, dumping each namespace's sockets every interval, without BPF.
#include "linux/sock_diag/sock_diag_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <set>
#include <tuple>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/cgroup_root.h"
#include "linux/privileges.h"
#include "linux/sock_diag/inet_diag_dump.h"
#include "linux/sock_diag/proc_socket_owners.h"

namespace tcptop::linux_impl {

namespace {

constexpr std::uint8_t tcp_listen = 10;
constexpr std::uint8_t tcp_syn_sent = 2;
constexpr std::uint8_t tcp_syn_recv = 3;
constexpr std::uint8_t tcp_fin_wait2 = 5;

/* The payload the peer acknowledged, as the eBPF collector reports it.
 * With nothing in flight it is all the payload sent once. Otherwise
 * bytes_acked tells, but it counts sequence numbers: the SYN on the side
 * that connected (which only the role, inferred, tells), and this side's
 * FIN once acknowledged (FIN_WAIT2; later states are not dumped). */
std::uint64_t acknowledged_payload(const DiagSocket &socket, Role role)
{
	if (socket.unacked == 0 && socket.bytes_sent >= socket.bytes_retrans)
		return socket.bytes_sent - socket.bytes_retrans;
	std::uint64_t payload = socket.bytes_acked;
	if (role == Role::client && payload)
		--payload;
	if (socket.state == tcp_fin_wait2 && payload)
		--payload;
	return payload;
}

std::vector<FeatureStatus> sock_diag_features(const Options &options)
{
	const char *dumps = "sock_diag inet_diag dumps each interval";
	std::vector<FeatureStatus> features;
	if (options.protocols.tcp) {
		features.push_back({Feature::tcp_counters, true, "sock_diag inet_diag (tcp_info)", {}});
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
						    "UDP records carry endpoints and owners only"
						  : "UDP not asked for"});
	if (options.protocols.udp)
		features.push_back({Feature::udp_lifecycle, true, dumps,
				    "a socket that opens and closes between two dumps is missed"});
	else
		features.push_back({Feature::udp_lifecycle, false, {}, "UDP not asked for"});
	features.push_back({Feature::socket_owners, true, "/proc/PID/fd",
			    geteuid() == 0 ? std::string()
					   : "only processes this user may inspect"});
	if (can_enter_other_namespaces())
		features.push_back({Feature::other_namespaces, true, "sock_diag in each namespace (setns)", {}});
	else
		features.push_back({Feature::other_namespaces, false, {},
				    "missing CAP_SYS_ADMIN (setns): only this namespace's sockets are dumped"});
	return features;
}

/* The namespace's TcpActiveOpens + TcpPassiveOpens (/proc/net/snmp as the
 * calling thread sees it); no value when it cannot be read. */
std::optional<std::uint64_t> tcp_opens()
{
	std::ifstream snmp("/proc/thread-self/net/snmp");
	std::string names, values;
	while (std::getline(snmp, names) && std::getline(snmp, values)) {
		if (!names.starts_with("Tcp:") || !values.starts_with("Tcp:"))
			continue;
		std::istringstream name_words(names), value_words(values);
		std::string name, value;
		std::uint64_t opens = 0;
		int found = 0;
		while (name_words >> name && value_words >> value) {
			if (name == "ActiveOpens" || name == "PassiveOpens") {
				opens += std::stoull(value);
				++found;
			}
		}
		if (found == 2)
			return opens;
	}
	return std::nullopt;
}

std::uint32_t current_netns()
{
	struct stat status;
	return stat("/proc/thread-self/ns/net", &status) == 0 ? static_cast<std::uint32_t>(status.st_ino) : 0;
}

/* bytes_acked counts the SYN on the side that connected and not on the
 * side that accepted: with nothing in flight, it exceeds the payload sent
 * once by exactly that (and by this side's FIN, once acknowledged). No
 * value while something is in flight. */
std::optional<Role> open_side(const DiagSocket &socket)
{
	if (socket.unacked != 0 || socket.state == tcp_syn_sent || socket.state == tcp_syn_recv ||
	    socket.bytes_sent < socket.bytes_retrans)
		return std::nullopt;
	std::uint64_t sequence_only = socket.bytes_acked - (socket.bytes_sent - socket.bytes_retrans);
	if (socket.state == tcp_fin_wait2 && sequence_only)
		--sequence_only;
	if (sequence_only == 1)
		return Role::client;
	if (sequence_only == 0)
		return Role::server;
	return std::nullopt;
}

/* Until the socket is idle once: a listener on its local port makes it a
 * server's. */
Role guessed_role(const DiagSocket &socket, const Listeners &listeners)
{
	/* An IPv6 listener on :: takes IPv4 connections too. */
	if (listeners.contains({socket.family, socket.local_port}) ||
	    listeners.contains({AddressFamily::ipv6, socket.local_port}))
		return Role::server;
	return Role::client;
}

} // namespace

std::unique_ptr<Source> SockDiagSource::open(const Options &options, std::error_code &code,
					     Diagnostics &diagnostics)
{
	/* Make sure netlink answers here before promising anything. */
	InetDiagDump probe;
	std::vector<DiagSocket> ignored;
	if (!probe.dump(Protocol::tcp, ignored)) {
		code = Errc::kernel_unsupported;
		diagnostics.message = "sock_diag: " + probe.error() +
				      " (a kernel without CONFIG_INET_DIAG, or netlink blocked here)";
		return nullptr;
	}
	int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0) {
		code = Errc::system_failure;
		diagnostics.message = std::string("eventfd: ") + std::strerror(errno);
		return nullptr;
	}
	return std::unique_ptr<Source>(new SockDiagSource(options, wake_fd, sock_diag_features(options)));
}

SockDiagSource::SockDiagSource(const Options &options, int wake_fd, std::vector<FeatureStatus> features)
	: options_(options), wake_fd_(wake_fd), features_(std::move(features)),
	  cgroup2_root_(cgroup2_mount_point().value_or(std::string()))
{
}

SockDiagSource::~SockDiagSource()
{
	close(wake_fd_);
}

void SockDiagSource::read_events(std::chrono::milliseconds timeout, ReadingSink &)
{
	/* Nothing comes between dumps: wait for the interval's end or stop(). */
	pollfd wake{wake_fd_, POLLIN, 0};
	if (poll(&wake, 1, static_cast<int>(timeout.count())) > 0) {
		std::uint64_t count;
		[[maybe_unused]] ssize_t drained = read(wake_fd_, &count, sizeof(count));
	}
}

void SockDiagSource::wake() noexcept
{
	std::uint64_t one = 1;
	[[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
}

Role SockDiagSource::role_of(const DiagSocket &socket, const Listeners &listeners,
			     std::unordered_map<std::uint64_t, Role> &roles) const
{
	Role role;
	if (auto known = roles_.find(socket.socket_cookie); known != roles_.end())
		role = known->second;
	else if (std::optional<Role> seen = open_side(socket))
		role = *seen;
	else
		return guessed_role(socket, listeners);
	roles[socket.socket_cookie] = role;
	return role;
}

void SockDiagSource::count_unseen(std::uint32_t netns, std::optional<std::uint64_t> opens,
				  std::uint64_t new_sockets, bool complete)
{
	if (!opens || !options_.protocols.tcp)
		return;
	auto before = tcp_opens_.find(netns);
	/* The first dump of a namespace only sets where counting starts. */
	if (before != tcp_opens_.end() && complete && *opens >= before->second) {
		std::uint64_t opened = *opens - before->second;
		if (opened > new_sockets)
			connections_unseen_ += opened - new_sockets;
	}
	tcp_opens_[netns] = *opens;
}

CompleteWalks SockDiagSource::collect(ReadingSink &sink)
{
	CompleteWalks complete{options_.protocols.tcp, options_.protocols.udp};
	std::unordered_map<std::uint64_t, std::uint64_t> inodes;
	std::unordered_map<std::uint64_t, Role> roles;

	namespaces_.refresh();
	namespaces_.for_each([&] {
		InetDiagDump dump;
		std::uint32_t netns = current_netns();
		std::optional<std::uint64_t> opens = tcp_opens();
		std::uint64_t new_tcp_sockets = 0;
		for (Protocol protocol : {Protocol::tcp, Protocol::udp}) {
			bool wanted = protocol == Protocol::tcp ? options_.protocols.tcp : options_.protocols.udp;
			if (!wanted)
				continue;
			std::vector<DiagSocket> sockets;
			if (!dump.dump(protocol, sockets)) {
				(protocol == Protocol::tcp ? complete.tcp : complete.udp) = false;
				continue;
			}
			Listeners listeners;
			for (const DiagSocket &socket : sockets)
				if (protocol == Protocol::tcp && socket.state == tcp_listen)
					listeners.insert({socket.family, socket.local_port});
			for (const DiagSocket &socket : sockets) {
				if (protocol == Protocol::tcp && socket.state == tcp_listen)
					continue;
				ConnectionKey key{protocol, socket.socket_cookie, {}, 0, socket.family};
				if (protocol == Protocol::udp) {
					key.remote_addr = socket.remote_addr;
					key.remote_port = socket.remote_port;
				}
				ConnectionRecord record;
				record.protocol = protocol;
				record.family = socket.family;
				record.local_addr = socket.local_addr;
				record.local_port = socket.local_port;
				record.remote_addr = socket.remote_addr;
				record.remote_port = socket.remote_port;
				record.netns = netns;
				record.socket_cookie = socket.socket_cookie;
				if (protocol == Protocol::tcp) {
					record.state = static_cast<TcpState>(socket.state);
					record.role = role_of(socket, listeners, roles);
					record.bytes_sent = acknowledged_payload(socket, record.role);
					record.bytes_received = socket.bytes_received;
					record.packets_sent = socket.segs_out;
					record.packets_received = socket.segs_in;
					record.srtt_us = socket.srtt_us;
					record.retransmits = socket.total_retrans;
				}
				if (protocol == Protocol::tcp && !inode_by_cookie_.contains(socket.socket_cookie))
					++new_tcp_sockets;
				inodes[socket.socket_cookie] = socket.inode;
				sink.live(key, record);
			}
		}
		count_unseen(netns, opens, new_tcp_sockets, complete.tcp);
	});
	inode_by_cookie_ = std::move(inodes);
	roles_ = std::move(roles);
	return complete;
}

std::optional<OwnersByCookie>
SockDiagSource::find_owners(const std::unordered_set<std::uint64_t> &cookies)
{
	std::unordered_set<std::uint64_t> inodes;
	for (std::uint64_t cookie : cookies)
		if (auto inode = inode_by_cookie_.find(cookie); inode != inode_by_cookie_.end() && inode->second)
			inodes.insert(inode->second);
	OwnersByInode by_inode = proc_socket_owners(inodes, cgroup2_root_);
	OwnersByCookie owners;
	for (std::uint64_t cookie : cookies) {
		auto inode = inode_by_cookie_.find(cookie);
		if (inode == inode_by_cookie_.end())
			continue;
		if (auto owner = by_inode.find(inode->second); owner != by_inode.end())
			owners[cookie] = owner->second;
	}
	return owners;
}

SourceCounters SockDiagSource::counters()
{
	SourceCounters counters;
	counters.connections_unseen = connections_unseen_;
	return counters;
}

} // namespace tcptop::linux_impl
