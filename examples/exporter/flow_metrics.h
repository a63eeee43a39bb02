// SPDX-License-Identifier: MIT
// FlowMetrics: the exporter's Prometheus Collectable, rendering the aggregates and the collector's own counters on each scrape.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <tcptop/snapshot.h>

#include "flow_aggregates.h"

namespace tcptop::exporter {

/**
 * \brief What /metrics serves.
 *
 * add() runs on the collector's strand, Collect() on the HTTP server's
 * threads; a mutex keeps the two apart for the time of a snapshot's sum or
 * a scrape's copy.
 */
class FlowMetrics : public prometheus::Collectable
{
public:
	/// \p stale_after: without a snapshot for this long, tcptop_up is 0.
	FlowMetrics(FlowAggregates aggregates, std::chrono::steady_clock::duration stale_after);

	void add(const Snapshot &snapshot, const cli::WorkloadOf &workload_of);
	std::vector<prometheus::MetricFamily> Collect() const override;

private:
	mutable std::mutex mutex_;
	FlowAggregates aggregates_;
	std::chrono::steady_clock::duration stale_after_;
	std::chrono::steady_clock::time_point last_snapshot_{};
	/* The collector's counters summed over every snapshot; the gauges as
	 * the last one had them. */
	CollectorStats totals_;
	std::uint64_t snapshots_ = 0;
};

} // namespace tcptop::exporter
