// SPDX-License-Identifier: MIT
// Source: what a backend provides to the collection loop; ReadingSink: what it reports into.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include <tcptop/connection_record.h>
#include <tcptop/features.h>

#include "core/connection_table.h"

namespace tcptop {

/// Where a Source reports what it read; the collection loop keeps it.
class ReadingSink
{
public:
	/// A live connection or flow with its totals so far.
	virtual void live(const ConnectionKey &key, const ConnectionRecord &reading) = 0;
	/// A connection or flow that closed, with its final totals.
	virtual void closed(const ConnectionKey &key, const ConnectionRecord &reading) = 0;
	/// The process holding a socket became known.
	virtual void owner_learned(std::uint64_t socket_cookie, const Owner &owner) = 0;

protected:
	~ReadingSink() = default;
};

/// Which protocols' live connections a collect() listed in full.
struct CompleteWalks {
	bool tcp = false;
	bool udp = false;
};

/// A Source's running totals since it started; the losses are those of
/// CollectorStats, where each is described.
struct SourceCounters {
	/// Kernel events read (closes, socket releases, owners learned).
	std::uint64_t events = 0;
	std::uint64_t events_dropped = 0;
	std::uint64_t udp_datagrams_untracked = 0;
	std::uint64_t udp_datagrams_unparsed = 0;
	std::uint64_t program_runs_missed = 0;
	std::uint64_t connections_unseen = 0;
};

/**
 * \brief One backend's access to the kernel: a collector is a Source and the
 * collection loop (tick, table, owners, snapshots, delivery).
 *
 * Made ready to collect by its opener (everything that can fail at start
 * fails there); destroying it detaches from the kernel. features() is
 * asked once, by the thread that starts the collector; wake() from any
 * thread; everything else is called from the collection loop's thread only.
 */
class Source
{
public:
	virtual ~Source() = default;

	/// What this source sees on this kernel, one entry per Feature.
	virtual std::vector<FeatureStatus> features() const = 0;

	/// Between intervals: wait up to \p timeout for what the kernel reports
	/// as it happens (closes), and report it into \p sink. Returns early
	/// after wake().
	virtual void read_events(std::chrono::milliseconds timeout, ReadingSink &sink) = 0;

	/// End the wait of read_events() now, or the next one: stop() calls
	/// it so that it returns at once. The one call that may come from
	/// another thread, at any time.
	virtual void wake() noexcept = 0;

	/**
	 * \brief At an interval's end: report every live connection and flow,
	 * and whatever closed, into \p sink.
	 * \return the protocols whose live connections were all listed: the
	 * loop closes their connections that were not.
	 */
	virtual CompleteWalks collect(ReadingSink &sink) = 0;

	/**
	 * \brief Who holds the sockets in \p cookies, as far as can be found
	 * (an expensive walk: the loop asks only when new ones appear).
	 * \return nullopt when it cannot tell now (it has no way to, or the
	 * walk failed): the loop keeps what it found before
	 */
	virtual std::optional<OwnersByCookie>
	find_owners(const std::unordered_set<std::uint64_t> &cookies) = 0;

	/// Running totals since the source started.
	virtual SourceCounters counters() = 0;
};

} // namespace tcptop
