// SPDX-License-Identifier: MIT
// ConnectionTable: owns connection state between snapshots and computes rates.
#include "core/connection_table.h"

#include <string_view>

#include "core/options_check.h"

namespace tcptop {

namespace {

void merge_reading(ConnectionRecord &known, const ConnectionRecord &reading)
{
	ConnectionRecord merged = reading;

	if (merged.pid == 0) {
		merged.pid = known.pid;
		merged.comm = known.comm;
	}
	if (merged.cgroup_id == 0)
		merged.cgroup_id = known.cgroup_id;
	if (merged.role == Role::unknown)
		merged.role = known.role;
	if (merged.netns == 0)
		merged.netns = known.netns;
	/* The kernel clears the local port of a closing socket. */
	if (merged.local_port == 0) {
		merged.local_port = known.local_port;
		merged.local_addr = known.local_addr;
	}
	merged.start_time_ns = known.start_time_ns;
	known = std::move(merged);
}

double rate(std::uint64_t total, std::uint64_t baseline, std::uint64_t interval_ns)
{
	if (interval_ns == 0 || total < baseline)
		return 0.0;
	return static_cast<double>(total - baseline) * 1e9 / static_cast<double>(interval_ns);
}

} // namespace

std::size_t ConnectionKeyHash::operator()(const ConnectionKey &key) const noexcept
{
	std::size_t hash = std::hash<std::uint64_t>{}(key.socket_cookie);
	std::string_view addr(reinterpret_cast<const char *>(key.remote_addr.data()),
			      key.remote_addr.size());

	hash ^= std::hash<std::string_view>{}(addr) + 0x9e3779b97f4a7c15ULL + (hash << 6);
	hash ^= (std::size_t{key.remote_port} << 2) ^ (static_cast<std::size_t>(key.family) << 1) ^
		static_cast<std::size_t>(key.protocol);
	return hash;
}

ConnectionTable::ConnectionTable(std::size_t capacity, std::uint64_t origin_ns,
				 const Options &filters)
	: capacity_(capacity), filters_(filters), last_commit_ns_(origin_ns)
{
}

void ConnectionTable::begin_pass()
{
	for (auto &[key, entry] : entries_)
		entry.seen_in_pass = false;
	for (auto &[key, seen] : refused_)
		seen = false;
}

void ConnectionTable::refuse(const ConnectionKey &key)
{
	auto [refused, first_time] = refused_.try_emplace(key, true);
	refused->second = true;
	if (first_time)
		++evicted_;
}

ConnectionTable::Entry *ConnectionTable::find_or_insert(const ConnectionKey &key,
							  const ConnectionRecord &reading,
							  std::uint64_t now_ns)
{
	if (auto it = entries_.find(key); it != entries_.end())
		return &it->second;
	if (!may_pass_filters(filters_, reading))
		return nullptr;
	if (entries_.size() >= capacity_) {
		refuse(key);
		return nullptr;
	}

	Entry &entry = entries_[key];
	entry.record = reading;
	if (reading.start_time_ns == 0) {
		entry.record.start_time_ns = now_ns;
		entry.baseline_sent = reading.bytes_sent;
		entry.baseline_received = reading.bytes_received;
	}
	return &entry;
}

void ConnectionTable::observe(const ConnectionKey &key, const ConnectionRecord &reading,
			      std::uint64_t now_ns)
{
	Entry *entry = find_or_insert(key, reading, now_ns);

	if (!entry)
		return;
	entry->seen_in_pass = true;
	/* A late reading of a socket already reported closed changes nothing. */
	if (entry->record.closed)
		return;
	merge_reading(entry->record, reading);
}

void ConnectionTable::observe_close(const ConnectionKey &key, const ConnectionRecord &reading,
				    std::uint64_t now_ns)
{
	Entry *entry = find_or_insert(key, reading, now_ns);

	if (!entry)
		return;
	merge_reading(entry->record, reading);
	entry->record.closed = true;
	if (entry->record.close_time_ns == 0)
		entry->record.close_time_ns = now_ns;
}

void ConnectionTable::close_unseen(Protocol protocol, std::uint64_t now_ns)
{
	for (auto &[key, entry] : entries_) {
		if (key.protocol != protocol || entry.seen_in_pass || entry.record.closed)
			continue;
		entry.record.closed = true;
		entry.record.close_time_ns = now_ns;
		if (protocol == Protocol::tcp)
			entry.record.state = TcpState::close;
	}
	std::erase_if(refused_, [protocol](const auto &refused) {
		return refused.first.protocol == protocol && !refused.second;
	});
}

Snapshot ConnectionTable::snapshot(std::uint64_t now_ns) const
{
	Snapshot snapshot;

	snapshot.timestamp_ns = now_ns;
	snapshot.interval_ns = now_ns > last_commit_ns_ ? now_ns - last_commit_ns_ : 0;
	snapshot.stats.connections_tracked = entries_.size();
	snapshot.stats.connections_evicted = evicted_;
	snapshot.connections.reserve(entries_.size());
	for (const auto &[key, entry] : entries_) {
		if (!passes_filters(filters_, entry.record))
			continue;
		ConnectionRecord &record = snapshot.connections.emplace_back(entry.record);
		record.bytes_sent_per_sec =
			rate(record.bytes_sent, entry.baseline_sent, snapshot.interval_ns);
		record.bytes_received_per_sec =
			rate(record.bytes_received, entry.baseline_received, snapshot.interval_ns);
	}
	return snapshot;
}

void ConnectionTable::commit(std::uint64_t now_ns)
{
	for (auto it = entries_.begin(); it != entries_.end();) {
		if (it->second.record.closed) {
			it = entries_.erase(it);
			continue;
		}
		it->second.baseline_sent = it->second.record.bytes_sent;
		it->second.baseline_received = it->second.record.bytes_received;
		++it;
	}
	last_commit_ns_ = now_ns;
	evicted_ = 0;
	refused_.clear();
}

std::vector<std::uint64_t> ConnectionTable::cookies_without_owner() const
{
	std::vector<std::uint64_t> cookies;

	for (const auto &[key, entry] : entries_) {
		if (entry.record.pid == 0)
			cookies.push_back(key.socket_cookie);
	}
	return cookies;
}

void ConnectionTable::apply_owner(std::uint64_t socket_cookie, const Owner &owner)
{
	for (auto &[key, entry] : entries_) {
		if (key.socket_cookie == socket_cookie && entry.record.pid == 0)
			assign_owner(entry.record, owner);
	}
}

void ConnectionTable::apply_owners(const OwnersByCookie &owners)
{
	if (owners.empty())
		return;
	for (auto &[key, entry] : entries_) {
		if (entry.record.pid != 0)
			continue;
		if (auto owner = owners.find(key.socket_cookie); owner != owners.end())
			assign_owner(entry.record, owner->second);
	}
}

} // namespace tcptop
