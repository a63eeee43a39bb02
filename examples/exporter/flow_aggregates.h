// SPDX-License-Identifier: MIT
// FlowAggregates: per-connection totals summed into labelled series that never go down, capped and aged.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <tcptop/snapshot.h>

#include "flow_labels.h"
#include "workload_lookup.h"

namespace tcptop::exporter {

/// The counters a flow has and a series sums.
struct FlowCounters {
	std::uint64_t sent_bytes = 0;
	std::uint64_t received_bytes = 0;
	std::uint64_t sent_packets = 0;
	std::uint64_t received_packets = 0;
	std::uint64_t retransmits = 0;
};

/// One series: the totals of every flow its label values were given.
struct SeriesTotals {
	FlowCounters counters;
	/// Mean smoothed RTT of the series' open TCP connections in the last
	/// snapshot; meaningful when srtt_connections > 0.
	double srtt_seconds = 0;
	std::uint32_t srtt_connections = 0;
	/// When a counter last grew (or the series was made).
	std::chrono::steady_clock::time_point last_traffic;
};

/**
 * \brief Sums the flows of each snapshot into series by label values.
 *
 * Each flow (a TCP socket, a UDP socket and remote endpoint) adds what
 * its totals grew by since the snapshot before, so a closed flow's bytes
 * stay in its series and no counter goes down. A series no flow added to
 * for \p series_ttl is removed. At \p max_series, a flow that would make
 * a new series goes into one with peer_address, peer_port, local_port and
 * pid "other" (those chosen), made beyond the cap if it is new: one per
 * combination of the other labels.
 */
class FlowAggregates
{
public:
	using Clock = std::chrono::steady_clock;
	using Series = std::map<std::vector<std::string>, SeriesTotals>;

	FlowAggregates(std::vector<FlowLabel> labels, std::size_t max_series,
		       Clock::duration series_ttl, EphemeralPorts ephemeral = {});

	void add(const Snapshot &snapshot, const cli::WorkloadOf &workload_of, Clock::time_point now);

	const std::vector<FlowLabel> &labels() const { return labels_; }
	/// Label values (in the order of labels()) to totals.
	const Series &series() const { return series_; }
	/// Flows that went into an "other" series because of the cap.
	std::uint64_t flows_folded() const { return flows_folded_; }

private:
	struct FlowKey {
		std::uint64_t socket_cookie;
		IpAddress remote_addr;
		std::uint16_t remote_port;
		Protocol protocol;
		bool operator==(const FlowKey &) const = default;
	};
	struct FlowKeyHash {
		std::size_t operator()(const FlowKey &key) const;
	};
	/* A flow's totals as last added, and whether the cap folded it. */
	struct FlowState {
		FlowCounters added;
		Clock::time_point last_seen;
		bool folded = false;
	};

	SeriesTotals &series_for(std::vector<std::string> values, FlowState &flow, Clock::time_point now);

	std::vector<FlowLabel> labels_;
	std::size_t max_series_;
	Clock::duration series_ttl_;
	EphemeralPorts ephemeral_;
	Series series_;
	std::unordered_map<FlowKey, FlowState, FlowKeyHash> flows_;
	std::uint64_t flows_folded_ = 0;
};

} // namespace tcptop::exporter
