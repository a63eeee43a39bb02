// SPDX-License-Identifier: MIT
// SockDiagSource: the sock_diag collector's Source, dumping each namespace's sockets every interval, without BPF.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include <tcptop/error.h>
#include <tcptop/options.h>

#include "core/source.h"
#include "linux/network_namespaces.h"
#include "linux/sock_diag/inet_diag_dump.h"
#include "linux/sock_diag/unseen_connections.h"

namespace tcptop::linux_impl {

/// Listening ports of one namespace, to guess a connection's side.
using Listeners = std::set<std::tuple<AddressFamily, std::uint16_t>>;

/**
 * \brief Reads what NETLINK_SOCK_DIAG tells any process about its sockets:
 * TCP totals from tcp_info, UDP endpoints, each interval, in every network
 * namespace it may enter; owners from /proc.
 *
 * Needs no capability for the caller's own namespace; what it sees of
 * other users' processes follows what /proc lets it read. A connection
 * that opens and closes between two dumps is never seen.
 */
class SockDiagSource final : public Source
{
public:
	static std::unique_ptr<Source> open(const Options &options, std::error_code &code,
					    Diagnostics &diagnostics);
	~SockDiagSource() override;

	std::vector<FeatureStatus> features() const override { return features_; }
	void read_events(std::chrono::milliseconds timeout, ReadingSink &sink) override;
	void wake() noexcept override;
	CompleteWalks collect(ReadingSink &sink) override;
	std::optional<OwnersByCookie>
	find_owners(const std::unordered_set<std::uint64_t> &cookies) override;
	SourceCounters counters() override;

private:
	/* How the socket was opened: as known, as its counters tell (then
	 * kept in ROLES), or guessed. */
	Role role_of(const DiagSocket &socket, const Listeners &listeners,
		     std::unordered_map<std::uint64_t, Role> &roles) const;

	SockDiagSource(const Options &options, bool udp_dumps, std::vector<FeatureStatus> features);

	Options options_;
	/* UDP asked for, and the kernel dumps it. */
	bool udp_dumps_ = false;
	int wake_fd_ = -1;
	std::vector<FeatureStatus> features_;
	NetworkNamespaces namespaces_;
	std::string cgroup2_root_;
	/* The inode of each socket the last collect() saw: /proc names sockets
	 * by inode. */
	std::unordered_map<std::uint64_t, std::uint64_t> inode_by_cookie_;
	/* The side each socket opened on, once its counters told. */
	std::unordered_map<std::uint64_t, Role> roles_;
	UnseenConnections unseen_;
};

} // namespace tcptop::linux_impl
