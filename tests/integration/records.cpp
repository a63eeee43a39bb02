// SPDX-License-Identifier: MIT
// Picking the records a test is about out of snapshots.
#include "records.h"

#include <doctest/doctest.h>

#include "watcher.h"

tcptop::Options fast_options()
{
	tcptop::Options options;
	options.interval = std::chrono::milliseconds(200);
	return options;
}

std::vector<tcptop::ConnectionRecord> by_port(const tcptop::Snapshot &snapshot,
					      tcptop::Protocol protocol, std::uint16_t port)
{
	return select(snapshot, [&](const tcptop::ConnectionRecord &r) {
		return r.protocol == protocol && (r.local_port == port || r.remote_port == port);
	});
}

const tcptop::ConnectionRecord *owned_by(const std::vector<tcptop::ConnectionRecord> &records,
					 pid_t pid)
{
	for (const tcptop::ConnectionRecord &record : records)
		if (record.pid == static_cast<std::uint32_t>(pid))
			return &record;
	return nullptr;
}

namespace {

tcptop::Snapshot closed_after(Watcher &watcher, std::uint64_t since, tcptop::Protocol protocol,
			      std::uint16_t port, std::size_t count, bool open_allowed)
{
	tcptop::Snapshot gathered;
	while (gathered.connections.size() < count) {
		std::optional<tcptop::Snapshot> snapshot = watcher.snapshot_after(since);
		REQUIRE(snapshot);
		since = snapshot->timestamp_ns;
		gathered.timestamp_ns = since;
		for (const tcptop::ConnectionRecord &record : by_port(*snapshot, protocol, port)) {
			if (!record.closed && open_allowed)
				continue;
			CHECK(record.closed);
			gathered.connections.push_back(record);
		}
	}
	return gathered;
}

} // namespace

tcptop::Snapshot gather_closed(Watcher &watcher, std::uint64_t since, tcptop::Protocol protocol,
			       std::uint16_t port, std::size_t count)
{
	return closed_after(watcher, since, protocol, port, count, false);
}

tcptop::Snapshot wait_for_closed(Watcher &watcher, std::uint64_t since, tcptop::Protocol protocol,
				 std::uint16_t port, std::size_t count)
{
	return closed_after(watcher, since, protocol, port, count, true);
}
