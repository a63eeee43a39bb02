// SPDX-License-Identifier: MIT
// tcptop-exporter: per-process, per-container, per-peer byte counters for Prometheus, from libtcptop.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <prometheus/exposer.h>

#include <tcptop/tcptop.hpp>

#include "exit_status.h"
#include "exporter_arguments.h"
#include "flow_metrics.h"

namespace {

using namespace tcptop;
using namespace tcptop::cli;
using namespace tcptop::exporter;

/* The HTTP server binds in its constructor and says why it could not by
 * throwing. */
std::unique_ptr<prometheus::Exposer> serve(const std::string &address, std::string &error)
{
	try {
		return std::make_unique<prometheus::Exposer>(address, 2);
	} catch (const std::exception &failure) {
		error = "cannot serve on " + address + ": " + failure.what();
		return nullptr;
	}
}

int run(const ExporterArguments &arguments)
{
	boost::asio::io_context io;
	std::error_code code;
	Diagnostics diagnostics;
	auto collector = make_ebpf_collector(arguments.collector, EbpfOptions{}, code, diagnostics);
	if (!collector)
		return report_failure("tcptop-exporter", code, diagnostics);
	FlowAggregates aggregates(arguments.labels, arguments.max_series, arguments.series_ttl,
				  EphemeralPorts::of_host());
	/* A scrape finds tcptop_up 0 once three intervals went by without a snapshot. */
	auto metrics = std::make_shared<FlowMetrics>(std::move(aggregates),
						     3 * arguments.collector.interval + std::chrono::seconds(1));

	CgroupResolver cgroups;
	WorkloadOf workload_of = workloads_from(cgroups);
	code = collector->start(
		io.get_executor(), [&](const Snapshot &snapshot) { metrics->add(snapshot, workload_of); },
		diagnostics);
	if (code)
		return report_failure("tcptop-exporter", code, diagnostics);

	std::string error;
	std::unique_ptr<prometheus::Exposer> exposer = serve(arguments.listen_address, error);
	if (!exposer) {
		collector->stop();
		std::fprintf(stderr, "tcptop-exporter: %s\n", error.c_str());
		return exit_failure;
	}
	exposer->RegisterCollectable(metrics);
	std::string host = arguments.listen_address.substr(0, arguments.listen_address.rfind(':'));
	for (int port : exposer->GetListeningPorts())
		std::fprintf(stderr, "tcptop-exporter: serving http://%s:%d/metrics\n", host.c_str(), port);
	if (!cgroups.error().empty())
		std::fprintf(stderr, "tcptop-exporter: no container labels: %s\n", cgroups.error().c_str());

	boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
	stop_signals.async_wait([&](const boost::system::error_code &, int) { io.stop(); });
	io.run();
	collector->stop();
	exposer->RemoveCollectable(metrics);
	return exit_ok;
}

} // namespace

int main(int argc, char *argv[])
{
	ParsedExporterArguments parsed = parse_exporter_arguments(argc, argv);
	if (!parsed.error.empty())
		return report_usage("tcptop-exporter", parsed.error);
	if (parsed.arguments.help) {
		std::fputs(exporter_help_text().c_str(), stdout);
		return exit_ok;
	}
	if (parsed.arguments.version) {
		std::printf("tcptop-exporter (libtcptop) %s\n", TCPTOP_VERSION_STRING);
		return exit_ok;
	}
	return run(parsed.arguments);
}
