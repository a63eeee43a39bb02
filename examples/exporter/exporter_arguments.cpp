// SPDX-License-Identifier: MIT
// The command line of tcptop-exporter: where to listen, which labels, how many series for how long.
#include "exporter_arguments.h"

#include <string_view>

#include <arpa/inet.h>

#include "argument_values.h"

namespace tcptop::exporter {

namespace {

enum LongOnly : int {
	option_listen = 256,
	option_labels,
	option_max_series,
	option_series_ttl,
};

constexpr option long_options[] = {
	{"web.listen-address", required_argument, nullptr, option_listen},
	{"labels", required_argument, nullptr, option_labels},
	{"max-series", required_argument, nullptr, option_max_series},
	{"series-ttl", required_argument, nullptr, option_series_ttl},
	{"interval", required_argument, nullptr, 'i'},
	{"help", no_argument, nullptr, 'h'},
	{"version", no_argument, nullptr, 'V'},
	{nullptr, 0, nullptr, 0},
};

/* "1.2.3.4:PORT" or "[::1]:PORT": the forms the HTTP server binds without
 * resolving a name. */
bool is_listen_address(std::string_view text)
{
	std::size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		return false;
	std::uint64_t port = 0;
	if (!cli::parse_integer(text.substr(colon + 1), 0, 65535, port))
		return false;
	std::string host(text.substr(0, colon));
	unsigned char address[16];
	if (host.size() > 2 && host.front() == '[' && host.back() == ']')
		return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), address) == 1;
	return inet_pton(AF_INET, host.c_str(), address) == 1;
}

/* "90", "90s", "5m", "1h"; fractions allowed. */
bool parse_duration(std::string_view text, std::chrono::nanoseconds &duration)
{
	double scale = 1;
	if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
		scale = text.back() == 'h' ? 3600 : text.back() == 'm' ? 60 : 1;
		text.remove_suffix(1);
	}
	std::chrono::nanoseconds seconds{};
	if (!cli::parse_seconds(text, seconds) || seconds <= std::chrono::nanoseconds::zero())
		return false;
	constexpr double limit = 1e6 * 3600 * 1e9;
	double scaled = static_cast<double>(seconds.count()) * scale;
	if (scaled > limit)
		return false;
	duration = std::chrono::nanoseconds(static_cast<std::int64_t>(scaled));
	return true;
}

std::string apply(ExporterArguments &arguments, int code, std::string_view value)
{
	std::string name = cli::option_name(long_options, code);
	switch (code) {
	case option_listen:
		if (!is_listen_address(value))
			return name + ": " + cli::quoted(value) +
			       " is not ADDRESS:PORT (an IPv4 address, or an IPv6 one in brackets; port 0 to 65535)";
		arguments.listen_address = value;
		return {};
	case option_labels: {
		std::string error;
		auto labels = parse_flow_labels(value, error);
		if (!labels)
			return name + ": " + error;
		arguments.labels = std::move(*labels);
		return {};
	}
	case option_max_series: {
		std::uint64_t series = 0;
		if (!cli::parse_integer(value, 1, 10'000'000, series))
			return name + ": " + cli::quoted(value) + " is not a number of series from 1 to 10000000";
		arguments.max_series = series;
		return {};
	}
	case option_series_ttl:
		if (!parse_duration(value, arguments.series_ttl))
			return name + ": " + cli::quoted(value) +
			       " is not a duration (seconds, or with s, m or h: 90, 5m), above 0 and below a million hours";
		return {};
	case 'i':
		if (!cli::parse_seconds(value, arguments.collector.interval))
			return name + ": " + cli::quoted(value) + " is not a number of seconds";
		return {};
	case 'h':
		arguments.help = true;
		return {};
	case 'V':
		arguments.version = true;
		return {};
	}
	return "internal error: option " + name + " not handled";
}

} // namespace

ParsedExporterArguments parse_exporter_arguments(int argc, char *argv[])
{
	ParsedExporterArguments parsed;
	/* Messages are ours (one line naming the argument), not getopt's. */
	opterr = 0;
	optind = 0;
	for (;;) {
		int code = getopt_long(argc, argv, ":i:hV", long_options, nullptr);
		if (code == -1)
			break;
		if (code == '?') {
			parsed.error = cli::bad_option(long_options, argv[optind - 1], optopt);
			return parsed;
		}
		if (code == ':') {
			parsed.error = cli::option_name(long_options, optopt) + " needs a value";
			return parsed;
		}
		parsed.error = apply(parsed.arguments, code, optarg ? optarg : "");
		if (!parsed.error.empty())
			return parsed;
	}
	if (optind < argc)
		parsed.error = "unexpected argument " + cli::quoted(argv[optind]);
	return parsed;
}

std::string exporter_help_text()
{
	return R"(Usage: tcptop-exporter [OPTION]...
Serve what libtcptop sees, per process, container, peer and port, as
Prometheus metrics on http://ADDRESS:PORT/metrics.

  --web.listen-address=ADDRESS:PORT
                       where to serve /metrics (default 127.0.0.1:9465;
                       [::1]:PORT for IPv6; port 0 picks a free one)
  --labels=LIST        the flow series' labels, comma-separated, from comm,
                       pid, container, transport, family, peer_address,
                       peer_port, local_port, direction (default: all but pid)
  --max-series=N       flow series at most (default 10000); beyond, new flows
                       go into series with peer_address="other"
  --series-ttl=DURATION
                       drop a series without traffic for this long
                       (default 5m; seconds, or with s, m, h)
  -i, --interval=SECONDS
                       how often the collector sums up (default 1)
  -h, --help           show this help and exit
  -V, --version        show the version and exit

Flows with the same label values are summed, and a closed connection's
bytes stay in its series: the counters never go down while the exporter
runs. A client's local port and a server's peer port are ephemeral and
left out of the port labels.

Needs root, or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN, like
tcptop. Exit status: 0 when stopped by SIGINT or SIGTERM; 1 on a failure;
2 on a bad argument; 77 when privileges are missing.

See tcptop-exporter(1) for more.
)";
}

} // namespace tcptop::exporter
