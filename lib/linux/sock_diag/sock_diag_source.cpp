// SPDX-License-Identifier: MIT
// SockDiagSource: the sock_diag collector's Source, dumping each namespace's sockets every interval, without BPF.
#include "linux/sock_diag/sock_diag_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/cgroup_root.h"
#include "linux/sock_diag/inet_diag_dump.h"
#include "linux/sock_diag/proc_socket_owners.h"
#include "linux/sock_diag/sock_diag_features.h"
#include "linux/sock_diag/tcp_payload.h"

namespace tcptop::linux_impl {

namespace {

/* The namespace's TcpActiveOpens + TcpPassiveOpens, as the calling thread
 * sees them; no value when they cannot be read. */
std::optional<std::uint64_t> tcp_opens()
{
	std::ifstream snmp("/proc/thread-self/net/snmp");
	std::ostringstream text;
	text << snmp.rdbuf();
	return snmp ? tcp_opens_in(text.view()) : std::nullopt;
}

std::uint32_t current_netns()
{
	struct stat status;
	return stat("/proc/thread-self/ns/net", &status) == 0 ? static_cast<std::uint32_t>(status.st_ino) : 0;
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
	auto refused = [&](const char *config) {
		code = probe.kernel_lacks_it() ? Errc::kernel_unsupported : Errc::system_failure;
		diagnostics.message = "sock_diag: " + probe.error();
		if (probe.kernel_lacks_it())
			diagnostics.message += std::string(" (a kernel without ") + config + ")";
		return nullptr;
	};
	if (options.protocols.tcp && !probe.answers(Protocol::tcp))
		return refused("CONFIG_INET_DIAG");
	std::string udp_problem;
	if (options.protocols.udp && !probe.answers(Protocol::udp)) {
		if (!options.protocols.tcp)
			return refused("CONFIG_INET_UDP_DIAG");
		udp_problem = probe.error();
	}
	std::unique_ptr<SockDiagSource> source(new SockDiagSource(options, udp_problem.empty(),
								  sock_diag_features(options, udp_problem)));
	source->wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (source->wake_fd_ < 0) {
		code = Errc::system_failure;
		diagnostics.message = std::string("eventfd: ") + std::strerror(errno);
		return nullptr;
	}
	return source;
}

SockDiagSource::SockDiagSource(const Options &options, bool udp_dumps, std::vector<FeatureStatus> features)
	: options_(options), udp_dumps_(options.protocols.udp && udp_dumps), features_(std::move(features)),
	  cgroup2_root_(cgroup2_mount_point().value_or(std::string()))
{
}

SockDiagSource::~SockDiagSource()
{
	if (wake_fd_ >= 0)
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

CompleteWalks SockDiagSource::collect(ReadingSink &sink)
{
	CompleteWalks complete{options_.protocols.tcp, udp_dumps_};
	std::unordered_map<std::uint64_t, std::uint64_t> inodes;
	std::unordered_map<std::uint64_t, Role> roles;
	std::unordered_set<std::uint32_t> visited;

	namespaces_.refresh();
	namespaces_.for_each([&] {
		InetDiagDump dump;
		std::uint32_t netns = current_netns();
		visited.insert(netns);
		/* Read before the dump, so that no connection the dump misses
		 * escapes the counters; the first time, after it, as a start. */
		bool counting = unseen_.counting(netns);
		std::optional<std::uint64_t> opens_before = counting ? tcp_opens() : std::nullopt;
		std::uint64_t new_tcp_sockets = 0;
		bool tcp_complete = false;
		for (Protocol protocol : {Protocol::tcp, Protocol::udp}) {
			if (protocol == Protocol::tcp ? !options_.protocols.tcp : !udp_dumps_)
				continue;
			std::vector<DiagSocket> sockets;
			if (!dump.dump(protocol, sockets)) {
				(protocol == Protocol::tcp ? complete.tcp : complete.udp) = false;
				continue;
			}
			tcp_complete = tcp_complete || protocol == Protocol::tcp;
			Listeners listeners;
			if (protocol == Protocol::tcp)
				for (const DiagSocket &socket : sockets)
					if (socket.state == TcpState::listen)
						listeners.insert({socket.family, socket.local_port});
			for (const DiagSocket &socket : sockets) {
				if (protocol == Protocol::tcp && socket.state == TcpState::listen)
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
					record.state = socket.state;
					record.role = role_of(socket, listeners, roles);
					record.bytes_sent = acknowledged_payload(socket, record.role);
					record.bytes_received = received_payload(socket);
					record.packets_sent = socket.segs_out;
					record.packets_received = socket.segs_in;
					record.srtt_us = socket.srtt_us;
					record.retransmits = socket.total_retrans;
					if (!inode_by_cookie_.contains(socket.socket_cookie))
						++new_tcp_sockets;
				}
				inodes[socket.socket_cookie] = socket.inode;
				sink.live(key, record);
			}
		}
		if (!options_.protocols.tcp)
			return;
		if (!tcp_complete)
			unseen_.forget(netns);
		else if (counting && opens_before)
			unseen_.counted(netns, *opens_before, new_tcp_sockets);
		else if (std::optional<std::uint64_t> opens_after = tcp_opens())
			unseen_.start(netns, *opens_after);
		else
			unseen_.forget(netns);
	});
	unseen_.keep_only(visited);
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
	std::optional<OwnersByInode> by_inode = proc_socket_owners(inodes, cgroup2_root_);
	if (!by_inode)
		return std::nullopt;
	OwnersByCookie owners;
	for (std::uint64_t cookie : cookies) {
		auto inode = inode_by_cookie_.find(cookie);
		if (inode == inode_by_cookie_.end())
			continue;
		if (auto owner = by_inode->find(inode->second); owner != by_inode->end())
			owners[cookie] = owner->second;
	}
	return owners;
}

SourceCounters SockDiagSource::counters()
{
	SourceCounters counters;
	counters.connections_unseen = unseen_.total();
	return counters;
}

} // namespace tcptop::linux_impl
