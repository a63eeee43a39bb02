// SPDX-License-Identifier: MIT
// FlowMetrics: the exporter's Prometheus Collectable, rendering the aggregates and the collector's own counters on each scrape.
#include "flow_metrics.h"

#include <string>

namespace tcptop::exporter {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type)
{
	return MetricFamily{std::move(name), std::move(help), type, {}};
}

/* A family of one sample without labels. */
MetricFamily single(std::string name, std::string help, MetricType type, double value)
{
	MetricFamily metrics = family(std::move(name), std::move(help), type);
	ClientMetric sample;
	(type == MetricType::Counter ? sample.counter.value : sample.gauge.value) = value;
	metrics.metric.push_back(std::move(sample));
	return metrics;
}

std::vector<ClientMetric::Label> labelled(const std::vector<FlowLabel> &labels,
					  const std::vector<std::string> &values)
{
	/* An empty value and no label are the same series to Prometheus;
	 * the shorter exposition leaves it out. */
	std::vector<ClientMetric::Label> pairs;
	for (std::size_t i = 0; i < labels.size(); ++i)
		if (!values[i].empty())
			pairs.push_back({std::string(label_name(labels[i])), values[i]});
	return pairs;
}

} // namespace

FlowMetrics::FlowMetrics(FlowAggregates aggregates, std::chrono::steady_clock::duration stale_after)
	: aggregates_(std::move(aggregates)), stale_after_(stale_after)
{
}

void FlowMetrics::add(const Snapshot &snapshot, const cli::WorkloadOf &workload_of)
{
	auto now = std::chrono::steady_clock::now();
	std::lock_guard lock(mutex_);
	aggregates_.add(snapshot, workload_of, now);
	const CollectorStats &stats = snapshot.stats;
	totals_.events += stats.events;
	totals_.events_dropped += stats.events_dropped;
	totals_.udp_datagrams_untracked += stats.udp_datagrams_untracked;
	totals_.udp_datagrams_unparsed += stats.udp_datagrams_unparsed;
	totals_.program_runs_missed += stats.program_runs_missed;
	totals_.connections_unseen += stats.connections_unseen;
	totals_.connections_evicted += stats.connections_evicted;
	totals_.snapshots_coalesced += stats.snapshots_coalesced;
	totals_.connections_tracked = stats.connections_tracked;
	totals_.collection_ns = stats.collection_ns;
	++snapshots_;
	last_snapshot_ = now;
}

std::vector<MetricFamily> FlowMetrics::Collect() const
{
	std::lock_guard lock(mutex_);
	struct FlowCounter {
		const char *name;
		const char *help;
		std::uint64_t FlowCounters::*total;
	};
	static constexpr FlowCounter flow_counters[] = {
		{"tcptop_flow_sent_bytes_total", "Payload bytes sent (TCP retransmissions counted once).",
		 &FlowCounters::sent_bytes},
		{"tcptop_flow_received_bytes_total", "Payload bytes received.",
		 &FlowCounters::received_bytes},
		{"tcptop_flow_sent_packets_total", "TCP segments (pure ACKs included) or UDP datagrams sent.",
		 &FlowCounters::sent_packets},
		{"tcptop_flow_received_packets_total", "TCP segments or UDP datagrams received.",
		 &FlowCounters::received_packets},
		{"tcptop_flow_retransmits_total", "TCP segments retransmitted.",
		 &FlowCounters::retransmits},
	};

	std::vector<MetricFamily> families;
	const std::vector<FlowLabel> &labels = aggregates_.labels();
	for (const FlowCounter &counter : flow_counters) {
		MetricFamily metrics = family(counter.name, counter.help, MetricType::Counter);
		for (const auto &[values, totals] : aggregates_.series()) {
			ClientMetric sample;
			sample.label = labelled(labels, values);
			sample.counter.value = static_cast<double>(totals.counters.*counter.total);
			metrics.metric.push_back(std::move(sample));
		}
		families.push_back(std::move(metrics));
	}
	MetricFamily srtt = family("tcptop_flow_srtt_seconds",
				   "Mean smoothed round-trip time of the series' open TCP connections.",
				   MetricType::Gauge);
	for (const auto &[values, totals] : aggregates_.series()) {
		if (!totals.srtt_connections)
			continue;
		ClientMetric sample;
		sample.label = labelled(labels, values);
		sample.gauge.value = totals.srtt_seconds;
		srtt.metric.push_back(std::move(sample));
	}
	families.push_back(std::move(srtt));

	bool up = snapshots_ > 0 && std::chrono::steady_clock::now() - last_snapshot_ <= stale_after_;
	struct SelfMetric {
		const char *name;
		const char *help;
		MetricType type;
		double value;
	};
	const SelfMetric self_metrics[] = {
		{"tcptop_up", "1 while the collector delivers snapshots.", MetricType::Gauge, up ? 1.0 : 0.0},
		{"tcptop_snapshots_total", "Snapshots the collector delivered.", MetricType::Counter,
		 static_cast<double>(snapshots_)},
		{"tcptop_events_total", "Kernel events (closes, releases) consumed.", MetricType::Counter,
		 static_cast<double>(totals_.events)},
		{"tcptop_events_dropped_total",
		 "Kernel events lost to a full ring buffer: closes whose final totals are missing.",
		 MetricType::Counter, static_cast<double>(totals_.events_dropped)},
		{"tcptop_connections_evicted_total",
		 "Connections not tracked because max_connections was reached.", MetricType::Counter,
		 static_cast<double>(totals_.connections_evicted)},
		{"tcptop_snapshots_coalesced_total",
		 "Intervals folded into a later snapshot because the exporter fell behind.",
		 MetricType::Counter, static_cast<double>(totals_.snapshots_coalesced)},
		{"tcptop_udp_datagrams_untracked_total",
		 "UDP datagrams not counted because the kernel's UDP flow table was full.",
		 MetricType::Counter, static_cast<double>(totals_.udp_datagrams_untracked)},
		{"tcptop_udp_datagrams_unparsed_total",
		 "UDP datagrams not counted because their UDP header could not be found.",
		 MetricType::Counter, static_cast<double>(totals_.udp_datagrams_unparsed)},
		{"tcptop_program_runs_missed_total",
		 "Runs of the collector's kernel programs the kernel skipped (no nesting).",
		 MetricType::Counter, static_cast<double>(totals_.program_runs_missed)},
		{"tcptop_connections_unseen_total",
		 "TCP connections opened and closed between two sock_diag dumps, never seen.",
		 MetricType::Counter, static_cast<double>(totals_.connections_unseen)},
		{"tcptop_connections_tracked", "Connections the collector held at the last snapshot.",
		 MetricType::Gauge, static_cast<double>(totals_.connections_tracked)},
		{"tcptop_collection_seconds", "Time the collector took to make the last snapshot.",
		 MetricType::Gauge, static_cast<double>(totals_.collection_ns) / 1e9},
		{"tcptop_series", "Flow series exported now.", MetricType::Gauge,
		 static_cast<double>(aggregates_.series().size())},
		{"tcptop_series_folded_total",
		 "Flows put into a peer_address=\"other\" series because --max-series was reached.",
		 MetricType::Counter, static_cast<double>(aggregates_.flows_folded())},
	};
	for (const SelfMetric &metric : self_metrics)
		families.push_back(single(metric.name, metric.help, metric.type, metric.value));
	return families;
}

} // namespace tcptop::exporter
