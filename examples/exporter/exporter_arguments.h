// SPDX-License-Identifier: MIT
// The command line of tcptop-exporter: where to listen, which labels, how many series for how long.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <tcptop/options.h>

#include "flow_labels.h"

namespace tcptop::exporter {

struct ExporterArguments {
	/// ADDRESS:PORT, as --web.listen-address gave it; port 0 picks a free one.
	std::string listen_address = "127.0.0.1:9465";
	std::vector<FlowLabel> labels = default_flow_labels();
	std::size_t max_series = 10000;
	std::chrono::nanoseconds series_ttl = std::chrono::minutes(5);
	/// The collector's options (--interval); its ranges are the library's to check.
	Options collector;
	bool help = false;
	bool version = false;
};

/// parse_exporter_arguments() result: the arguments, or a one-line message
/// naming the bad argument.
struct ParsedExporterArguments {
	ExporterArguments arguments;
	std::string error;
};

ParsedExporterArguments parse_exporter_arguments(int argc, char *argv[]);

/// The --help text.
std::string exporter_help_text();

} // namespace tcptop::exporter
