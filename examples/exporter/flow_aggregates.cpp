// SPDX-License-Identifier: MIT
// FlowAggregates: per-connection totals summed into labelled series that never go down, capped and aged.
#include "flow_aggregates.h"

#include <algorithm>
#include <functional>

namespace tcptop::exporter {

namespace {

FlowCounters counters_of(const ConnectionRecord &record)
{
	return {record.bytes_sent, record.bytes_received, record.packets_sent,
		record.packets_received, record.retransmits};
}

/* Adds to TOTALS what NOW grew by since ADDED, and makes ADDED NOW; true
 * when anything grew. A total below the one last added means the kernel
 * started the flow again (a UDP flow evicted from its table and seen
 * anew): all of it is new. */
bool add_growth(FlowCounters &totals, const FlowCounters &now, FlowCounters &added)
{
	bool grown = false;
	for (std::uint64_t FlowCounters::*counter :
	     {&FlowCounters::sent_bytes, &FlowCounters::received_bytes, &FlowCounters::sent_packets,
	      &FlowCounters::received_packets, &FlowCounters::retransmits}) {
		std::uint64_t current = now.*counter, before = added.*counter;
		std::uint64_t growth = current >= before ? current - before : current;
		totals.*counter += growth;
		grown |= growth != 0;
	}
	added = now;
	return grown;
}

bool is_high_cardinality(FlowLabel label)
{
	return label == FlowLabel::peer_address || label == FlowLabel::peer_port ||
	       label == FlowLabel::local_port || label == FlowLabel::pid;
}

} // namespace

std::size_t FlowAggregates::FlowKeyHash::operator()(const FlowKey &key) const
{
	std::size_t hash = std::hash<std::uint64_t>{}(key.socket_cookie);
	for (std::uint8_t byte : key.remote_addr)
		hash = hash * 31 + byte;
	return hash * 31 + key.remote_port * 2 + static_cast<std::size_t>(key.protocol);
}

FlowAggregates::FlowAggregates(std::vector<FlowLabel> labels, std::size_t max_series,
			       Clock::duration series_ttl, EphemeralPorts ephemeral)
	: labels_(std::move(labels)), max_series_(max_series), series_ttl_(series_ttl),
	  ephemeral_(ephemeral)
{
}

SeriesTotals &FlowAggregates::series_for(std::vector<std::string> values, FlowState &flow,
					 Clock::time_point now)
{
	if (auto known = series_.find(values); known != series_.end())
		return known->second;
	if (series_.size() >= max_series_) {
		for (std::size_t i = 0; i < labels_.size(); ++i)
			if (is_high_cardinality(labels_[i]))
				values[i] = "other";
		if (!flow.folded) {
			flow.folded = true;
			++flows_folded_;
		}
	}
	auto [series, made] = series_.try_emplace(std::move(values));
	if (made)
		series->second.last_traffic = now;
	return series->second;
}

void FlowAggregates::add(const Snapshot &snapshot, const cli::WorkloadOf &workload_of,
			 Clock::time_point now)
{
	for (auto &[values, totals] : series_)
		totals.srtt_connections = 0;

	for (const ConnectionRecord &record : snapshot.connections) {
		FlowKey key{record.socket_cookie, record.remote_addr, record.remote_port, record.protocol};
		FlowState &flow = flows_[key];
		flow.last_seen = now;
		const Workload &workload = cli::workload_or_unknown(workload_of, record.cgroup_id);
		SeriesTotals &totals =
			series_for(label_values(labels_, record, workload, ephemeral_), flow, now);

		if (add_growth(totals.counters, counters_of(record), flow.added))
			totals.last_traffic = now;

		if (record.protocol == Protocol::tcp && !record.closed && record.srtt_us) {
			double srtt = record.srtt_us / 1e6;
			totals.srtt_seconds = totals.srtt_connections
						      ? totals.srtt_seconds + (srtt - totals.srtt_seconds) /
										      (totals.srtt_connections + 1)
						      : srtt;
			++totals.srtt_connections;
		}
		if (record.closed)
			flows_.erase(key);
	}

	/* Flows the snapshots stopped showing (filtered, evicted) and series
	 * nothing was added to are let go after the same time. */
	std::erase_if(flows_, [&](const auto &flow) { return now - flow.second.last_seen > series_ttl_; });
	std::erase_if(series_, [&](const auto &series) {
		return now - series.second.last_traffic > series_ttl_;
	});
}

} // namespace tcptop::exporter
