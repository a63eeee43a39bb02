// SPDX-License-Identifier: MIT
// The command line of tcptop: its options, parsed into collector Options and view settings.
#include "arguments.h"

#include <chrono>
#include <string_view>

#include <getopt.h>

#include "argument_values.h"

namespace tcptop::cli {

namespace {

enum LongOnly : int {
	option_port = 256,
	option_tcp,
	option_udp,
	option_batch,
	option_json,
	option_features,
	option_programs,
	option_hooks,
	option_collector,
};

constexpr char short_options[] = ":i:n:p:s:r:46hV";

constexpr option long_options[] = {
	{"interval", required_argument, nullptr, 'i'},
	{"count", required_argument, nullptr, 'n'},
	{"pid", required_argument, nullptr, 'p'},
	{"port", required_argument, nullptr, option_port},
	{"tcp", no_argument, nullptr, option_tcp},
	{"udp", no_argument, nullptr, option_udp},
	{"sort", required_argument, nullptr, 's'},
	{"rows", required_argument, nullptr, 'r'},
	{"batch", no_argument, nullptr, option_batch},
	{"json", no_argument, nullptr, option_json},
	{"features", no_argument, nullptr, option_features},
	{"programs", no_argument, nullptr, option_programs},
	{"hooks", required_argument, nullptr, option_hooks},
	{"collector", required_argument, nullptr, option_collector},
	{"help", no_argument, nullptr, 'h'},
	{"version", no_argument, nullptr, 'V'},
	{nullptr, 0, nullptr, 0},
};

/* "cgroup,fentry": the hook kinds allowed, each named once. */
bool parse_hook_kinds(std::string_view list, HookKinds &kinds)
{
	kinds = {false, false};
	while (!list.empty()) {
		std::size_t comma = list.find(',');
		std::string_view kind = list.substr(0, comma);
		bool &allowed = kind == "cgroup" ? kinds.cgroup : kinds.fentry;
		if ((kind != "cgroup" && kind != "fentry") || allowed)
			return false;
		allowed = true;
		if (comma == std::string_view::npos)
			return true;
		list.remove_prefix(comma + 1);
		if (list.empty())
			return false;
	}
	return false;
}

std::string apply(Arguments &arguments, int code, std::string_view value)
{
	const std::string name = option_name(long_options, code);
	std::uint64_t number = 0;

	switch (code) {
	case 'i':
		if (!parse_seconds(value, arguments.collector.interval))
			return name + ": " + quoted(value) + " is not a number of seconds";
		return {};
	case 'n':
		if (!parse_integer(value, 1, std::numeric_limits<std::uint64_t>::max(), number))
			return name + ": " + quoted(value) + " is not a whole number from 1";
		arguments.count = number;
		return {};
	case 'p':
		if (!parse_integer(value, 1, std::numeric_limits<std::int32_t>::max(), number))
			return name + ": " + quoted(value) + " is not a process id";
		arguments.collector.pid = static_cast<std::uint32_t>(number);
		return {};
	case option_port:
		if (!parse_integer(value, 1, 65535, number))
			return name + ": " + quoted(value) + " is not a port from 1 to 65535";
		arguments.collector.port = static_cast<std::uint16_t>(number);
		return {};
	case 's':
		if (std::optional<SortKey> key = parse_sort_key(value)) {
			arguments.sort = *key;
			return {};
		}
		return name + ": " + quoted(value) +
		       " is not one of rate, sent, received, total, pid, age";
	case option_hooks:
		if (!parse_hook_kinds(value, arguments.ebpf.hook_kinds))
			return name + ": " + quoted(value) +
			       " is not a list of hook kinds (cgroup, fentry), each at most once";
		return {};
	case option_collector:
		if (value == "ebpf")
			arguments.collector_kind = CollectorKind::ebpf;
		else if (value == "sock_diag")
			arguments.collector_kind = CollectorKind::sock_diag;
		else
			return name + ": " + quoted(value) + " is not ebpf or sock_diag";
		return {};
	case 'r':
		if (!parse_integer(value, 1, std::numeric_limits<std::uint32_t>::max(), number))
			return name + ": " + quoted(value) + " is not a whole number from 1";
		arguments.rows = static_cast<std::size_t>(number);
		return {};
	}
	return "internal error: option " + name + " has no handler";
}

/* --batch and --json each name one output; asking for both is a mistake
 * better reported than resolved by argument order. */
std::string select_mode(Arguments &arguments, OutputMode mode)
{
	if (arguments.mode != OutputMode::automatic && arguments.mode != mode)
		return "--batch and --json cannot be combined";
	arguments.mode = mode;
	return {};
}

} // namespace

ParsedArguments parse_arguments(int argc, char *argv[])
{
	ParsedArguments parsed;
	Arguments &arguments = parsed.arguments;
	bool protocol_chosen = false;
	bool family_chosen = false;
	bool hooks_chosen = false;

	/* Messages are ours (one line naming the argument), not getopt's. */
	opterr = 0;
	optind = 0;
	for (;;) {
		int code = getopt_long(argc, argv, short_options, long_options, nullptr);
		if (code == -1)
			break;

		std::string error;
		switch (code) {
		case '?':
			error = bad_option(long_options, argv[optind - 1], optopt);
			break;
		case ':':
			error = option_name(long_options, optopt) + " needs a value";
			break;
		/* --tcp, --udp, -4 and -6 start from "all" and, once one
		 * is given, select only what is given. */
		case option_tcp:
		case option_udp:
			if (!protocol_chosen)
				arguments.collector.protocols = {false, false};
			protocol_chosen = true;
			(code == option_tcp ? arguments.collector.protocols.tcp
					    : arguments.collector.protocols.udp) = true;
			break;
		case '4':
		case '6':
			if (!family_chosen)
				arguments.collector.families = {false, false};
			family_chosen = true;
			(code == '4' ? arguments.collector.families.ipv4
				     : arguments.collector.families.ipv6) = true;
			break;
		case option_batch:
			error = select_mode(arguments, OutputMode::batch);
			break;
		case option_json:
			error = select_mode(arguments, OutputMode::json);
			break;
		case option_features:
			arguments.features = true;
			break;
		case option_programs:
			arguments.programs = true;
			break;
		case 'h':
			arguments.help = true;
			break;
		case 'V':
			arguments.version = true;
			break;
		default:
			hooks_chosen = hooks_chosen || code == option_hooks;
			error = apply(arguments, code, optarg);
			break;
		}
		if (!error.empty()) {
			parsed.error = std::move(error);
			return parsed;
		}
	}
	if (optind < argc)
		parsed.error = "unexpected argument " + quoted(argv[optind]);
	/* Options of the eBPF collector would silently do nothing otherwise. */
	else if (arguments.collector_kind == CollectorKind::sock_diag && hooks_chosen)
		parsed.error = "--hooks chooses the eBPF collector's hooks: not with --collector sock_diag";
	else if (arguments.collector_kind == CollectorKind::sock_diag && arguments.programs)
		parsed.error = "--programs checks the eBPF collector's programs: not with --collector sock_diag";
	return parsed;
}

std::string help_text()
{
	return R"(Usage: tcptop [OPTION]...
Show which processes move how many bytes over which TCP connections and UDP
flows, refreshed every interval. On a terminal the view is live, like top;
otherwise one plain table per interval is printed (--batch), or one JSON
object per line (--json).

Options:
  -i, --interval SECONDS  time between snapshots, from 0.01 to 3600
                          (fractions allowed; default 1)
  -n, --count N           exit after N snapshots (default: run until stopped)
  -p, --pid PID           only connections of process PID
      --port PORT         only connections with PORT as local or remote port
      --tcp               only TCP connections
      --udp               only UDP flows (both --tcp and --udp: both, the default)
  -4                      only IPv4
  -6                      only IPv6 (both -4 and -6: both, the default)
  -s, --sort KEY          order of the rows: rate (send + receive rate, the
                          default), sent (send rate), received (receive rate),
                          total (bytes sent + received), pid, age (oldest first)
  -r, --rows N            show at most N rows per snapshot (the live view also
                          stops at the bottom of the terminal)
      --batch             plain text, one table per interval, no screen control
                          (the default when stdout is not a terminal)
      --json              JSON Lines: one object per snapshot, see below
      --features          show what this kernel lets tcptop see, and through
                          which hooks, then exit (with --json: one JSON object)
      --programs          load each of the eBPF collector's programs on its
                          own and show which this kernel accepts, or why it
                          refuses one, then exit (with --json: one JSON object)
      --hooks KINDS       hook kinds the eBPF collector may use where there is a
                          choice (UDP), comma separated: cgroup (the first
                          choice), fentry (the fallback); default cgroup,fentry
      --collector NAME    ebpf (the default: every connection, UDP counts;
                          needs BPF privileges) or sock_diag (no BPF, no
                          capability: TCP totals and UDP endpoints dumped
                          each interval, missing what opens and closes
                          between two)
  -h, --help              show this help and exit
  -V, --version           show the version and exit

Live view keys: q quit, s next sort order, p pause or resume the display.

Columns: PID and COMM of the owning process ("-" while unknown), PROTO, LOCAL
and REMOTE address:port (IPv6 in brackets), STATE (TCP state; CLOSED for a
connection that closed during the interval, shown this once), TX/s and RX/s
(bytes per second over the interval), TX total and RX total (payload bytes
since the connection opened), RTT (smoothed TCP round-trip time).

JSON: each line holds timestamp_ns, interval_ns, connections (objects with
the fields protocol, family, local_addr, local_port, remote_addr, remote_port,
netns, pid, comm, cgroup_id, state, role, bytes_sent, bytes_received,
packets_sent, packets_received, bytes_sent_per_sec, bytes_received_per_sec,
srtt_us, retransmits, start_time_ns, closed, close_time_ns, socket_cookie, and
workload: cgroup_path, container_id, container_runtime, systemd_unit) and
stats (events, events_dropped, connections_tracked, connections_evicted,
snapshots_coalesced, udp_datagrams_untracked, udp_datagrams_unparsed,
collection_ns, program_runs_missed, connections_unseen). Output is ASCII:
non-ASCII characters are \u escapes and bytes that are not valid UTF-8
become \ufffd. --sort and --rows apply too.

Privileges: root, or the capabilities CAP_BPF and CAP_PERFMON, plus
CAP_NET_ADMIN unless --tcp or --hooks fentry is given (UDP is counted by
cgroup hooks by default). --collector sock_diag needs none: without
CAP_SYS_PTRACE it learns the owners of this user's processes' sockets only,
and without CAP_SYS_ADMIN it sees only its own network namespace.

Exit status: 0 when the count is reached or on q, SIGINT or SIGTERM; 1 on a
failure (the message says why); 2 on a bad argument; 77 when privileges are
missing (the message names them).

See tcptop(1) for more.
)";
}

} // namespace tcptop::cli
