// SPDX-License-Identifier: MIT
// snapshot-probe: what each snapshot costs the process that embeds libtcptop, and whether closes add up.
//
// Usage: snapshot-probe [--interval SECONDS] [--tcp] [--max-connections N] [--collector ebpf|sock_diag]
//                       [--verify-port PORT --bytes N]
//
// Runs the chosen collector (eBPF by default) until SIGINT or SIGTERM. For each snapshot it
// prints one JSON line on stdout: connections in it, the collector's own
// stats, the collector thread's CPU time since the previous snapshot (from
// /proc/self/task/TID/schedstat, in ns), the wall time from the interval's
// tick to this handler, and the process's resident memory. At the end one
// line with "summary": true. With --verify-port, the summary also counts the
// closed TCP connections on PORT (either end): how many, how many of them
// did not carry exactly N bytes each way, and how many sockets were reported
// closed more than once. bench/scale.sh reads these lines.
#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_set>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <tcptop/tcptop.hpp>

namespace {

enum class CollectorKind { ebpf, sock_diag };

struct Settings {
	tcptop::Options options;
	CollectorKind collector = CollectorKind::ebpf;
	std::uint16_t verify_port = 0;
	std::uint64_t bytes = 0;
};

struct CloseCheck {
	std::uint64_t closed = 0;
	std::uint64_t wrong_bytes = 0;
	std::uint64_t closed_twice = 0;
	std::unordered_set<std::uint64_t> cookies;
};

struct Totals {
	std::uint64_t snapshots = 0;
	std::uint64_t events_dropped = 0;
	std::uint64_t connections_evicted = 0;
	std::uint64_t udp_datagrams_untracked = 0;
	std::uint64_t collector_cpu_ns = 0;
};

std::uint64_t now_ns(clockid_t clock)
{
	timespec now{};
	clock_gettime(clock, &now);
	return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
	       static_cast<std::uint64_t>(now.tv_nsec);
}

/* The collector names its thread; its schedstat's first field is the time
 * it has run, in ns. */
std::string collector_thread_schedstat()
{
	for (const auto &task : std::filesystem::directory_iterator("/proc/self/task")) {
		std::ifstream comm(task.path() / "comm");
		std::string name;
		if (std::getline(comm, name) && name == "tcptop-collect")
			return task.path() / "schedstat";
	}
	return {};
}

std::uint64_t first_number(const std::string &path, std::uint64_t fallback = 0)
{
	std::ifstream file(path);
	std::uint64_t value = fallback;
	file >> value;
	return value;
}

std::uint64_t resident_kib()
{
	std::ifstream statm("/proc/self/statm");
	std::uint64_t size = 0, resident = 0;
	statm >> size >> resident;
	return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

bool parse_uint(std::string_view text, std::uint64_t max, std::uint64_t &value)
{
	auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
	return error == std::errc{} && end == text.data() + text.size() && value <= max;
}

int usage(const std::string &message)
{
	std::fprintf(stderr,
		     "snapshot-probe: %s\nusage: snapshot-probe [--interval SECONDS] [--tcp] "
		     "[--max-connections N] [--collector ebpf|sock_diag] [--verify-port PORT --bytes N]\n",
		     message.c_str());
	return 2;
}

void check_closes(const tcptop::Snapshot &snapshot, const Settings &settings, CloseCheck &check)
{
	for (const tcptop::ConnectionRecord &record : snapshot.connections) {
		/* A listener (no remote port) closing is not a connection. */
		if (!record.closed || record.protocol != tcptop::Protocol::tcp ||
		    record.remote_port == 0 ||
		    (record.local_port != settings.verify_port &&
		     record.remote_port != settings.verify_port))
			continue;
		++check.closed;
		if (record.bytes_sent != settings.bytes || record.bytes_received != settings.bytes)
			++check.wrong_bytes;
		if (!check.cookies.insert(record.socket_cookie).second)
			++check.closed_twice;
	}
}

} // namespace

int main(int argc, char **argv)
{
	Settings settings;
	for (int i = 1; i < argc; ++i) {
		std::string_view arg = argv[i];
		std::string_view value = i + 1 < argc ? argv[i + 1] : "";
		std::uint64_t number = 0;
		if (arg == "--tcp") {
			settings.options.protocols = {true, false};
		} else if (arg == "--interval") {
			double seconds = std::atof(std::string(value).c_str());
			if (seconds <= 0)
				return usage("--interval: '" + std::string(value) + "' is not a number of seconds");
			settings.options.interval = std::chrono::milliseconds(
				static_cast<std::int64_t>(seconds * 1000));
			++i;
		} else if (arg == "--max-connections") {
			if (!parse_uint(value, tcptop::max_connections_limit, number) || number == 0)
				return usage("--max-connections: '" + std::string(value) +
					     "' is not from 1 to 4194304");
			settings.options.max_connections = number;
			++i;
		} else if (arg == "--collector") {
			if (value != "ebpf" && value != "sock_diag")
				return usage("--collector: '" + std::string(value) + "' is not ebpf or sock_diag");
			settings.collector = value == "sock_diag" ? CollectorKind::sock_diag : CollectorKind::ebpf;
			++i;
		} else if (arg == "--verify-port") {
			if (!parse_uint(value, 65535, number) || number == 0)
				return usage("--verify-port: '" + std::string(value) + "' is not a port");
			settings.verify_port = static_cast<std::uint16_t>(number);
			++i;
		} else if (arg == "--bytes") {
			if (!parse_uint(value, UINT64_MAX, number))
				return usage("--bytes: '" + std::string(value) + "' is not a byte count");
			settings.bytes = number;
			++i;
		} else {
			return usage("unknown argument '" + std::string(arg) + "'");
		}
	}

	boost::asio::io_context io;
	std::unique_ptr<tcptop::NetworkCollector> collector;
	try {
		collector = settings.collector == CollectorKind::sock_diag
				    ? tcptop::make_sock_diag_collector(settings.options)
				    : tcptop::make_ebpf_collector(settings.options);
	} catch (const tcptop::Error &error) {
		std::fprintf(stderr, "snapshot-probe: %s\n", error.what());
		return 2;
	}

	std::string schedstat;
	std::uint64_t cpu_before = 0;
	CloseCheck check;
	Totals totals;
	tcptop::Diagnostics diagnostics;
	auto on_snapshot = [&](const tcptop::Snapshot &snapshot) {
		std::uint64_t arrived = now_ns(CLOCK_REALTIME);
		std::uint64_t cpu = first_number(schedstat, cpu_before);
		std::uint64_t tick_to_handler = snapshot.stats.collection_ns +
						(arrived > snapshot.timestamp_ns ? arrived - snapshot.timestamp_ns : 0);
		if (settings.verify_port)
			check_closes(snapshot, settings, check);
		++totals.snapshots;
		totals.events_dropped += snapshot.stats.events_dropped;
		totals.connections_evicted += snapshot.stats.connections_evicted;
		totals.udp_datagrams_untracked += snapshot.stats.udp_datagrams_untracked;
		totals.collector_cpu_ns += cpu - cpu_before;
		std::printf("{\"connections\":%zu,\"tracked\":%llu,\"events\":%llu,\"events_dropped\":%llu,"
			    "\"collection_ns\":%llu,\"tick_to_handler_ns\":%llu,\"collector_cpu_ns\":%llu,"
			    "\"rss_kib\":%llu}\n",
			    snapshot.connections.size(),
			    static_cast<unsigned long long>(snapshot.stats.connections_tracked),
			    static_cast<unsigned long long>(snapshot.stats.events),
			    static_cast<unsigned long long>(snapshot.stats.events_dropped),
			    static_cast<unsigned long long>(snapshot.stats.collection_ns),
			    static_cast<unsigned long long>(tick_to_handler),
			    static_cast<unsigned long long>(cpu - cpu_before),
			    static_cast<unsigned long long>(resident_kib()));
		std::fflush(stdout);
		cpu_before = cpu;
	};
	if (std::error_code code = collector->start(io.get_executor(), on_snapshot, diagnostics)) {
		std::fprintf(stderr, "snapshot-probe: %s\n",
			     diagnostics.message.empty() ? code.message().c_str() : diagnostics.message.c_str());
		return code == tcptop::Errc::missing_privilege ? 77 : 1;
	}
	schedstat = collector_thread_schedstat();
	if (schedstat.empty()) {
		std::fprintf(stderr, "snapshot-probe: no thread named tcptop-collect in this process\n");
		return 1;
	}
	cpu_before = first_number(schedstat);

	boost::asio::signal_set signals(io, SIGINT, SIGTERM);
	signals.async_wait([&](const boost::system::error_code &, int) {
		collector->stop();
		io.stop();
	});
	io.run();

	std::printf("{\"summary\":true,\"snapshots\":%llu,\"collector_cpu_ns\":%llu,\"events_dropped\":%llu,"
		    "\"connections_evicted\":%llu,\"udp_datagrams_untracked\":%llu,\"closed\":%llu,"
		    "\"wrong_bytes\":%llu,\"closed_twice\":%llu}\n",
		    static_cast<unsigned long long>(totals.snapshots),
		    static_cast<unsigned long long>(totals.collector_cpu_ns),
		    static_cast<unsigned long long>(totals.events_dropped),
		    static_cast<unsigned long long>(totals.connections_evicted),
		    static_cast<unsigned long long>(totals.udp_datagrams_untracked),
		    static_cast<unsigned long long>(check.closed),
		    static_cast<unsigned long long>(check.wrong_bytes),
		    static_cast<unsigned long long>(check.closed_twice));
	return 0;
}
