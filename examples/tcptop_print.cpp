// SPDX-License-Identifier: MIT
// tcptop-print: the smallest complete embedding of libtcptop; prints every snapshot.
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <tcptop/tcptop.hpp>

namespace {

void print_snapshot(const tcptop::Snapshot &snapshot)
{
	std::printf("-- %zu connections, interval %.3f s, events %llu, dropped %llu\n",
		    snapshot.connections.size(), static_cast<double>(snapshot.interval_ns) / 1e9,
		    static_cast<unsigned long long>(snapshot.stats.events),
		    static_cast<unsigned long long>(snapshot.stats.events_dropped));
	for (const tcptop::ConnectionRecord &c : snapshot.connections) {
		std::string local = tcptop::format_address(c.family, c.local_addr);
		std::string remote = tcptop::format_address(c.family, c.remote_addr);
		std::printf("%7u %-15s %s %s:%u -> %s:%u %-11s tx %llu rx %llu (%.0f/%.0f B/s) rtt %u us%s\n",
			    c.pid, c.comm.c_str(), to_string(c.protocol).data(), local.c_str(),
			    c.local_port, remote.c_str(), c.remote_port,
			    to_string(c.state).data(),
			    static_cast<unsigned long long>(c.bytes_sent),
			    static_cast<unsigned long long>(c.bytes_received), c.bytes_sent_per_sec,
			    c.bytes_received_per_sec, c.srtt_us, c.closed ? " closed" : "");
	}
	std::fflush(stdout);
}

bool parse_number(std::string_view text, double &value)
{
	char *end = nullptr;
	std::string copy(text);
	value = std::strtod(copy.c_str(), &end);
	return end && *end == '\0' && !copy.empty();
}

int usage(const char *message)
{
	std::fprintf(stderr, "tcptop-print: %s\nusage: tcptop-print [--interval SECONDS] [--count N]\n",
		     message);
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	tcptop::Options options;
	long count = 0;

	for (int i = 1; i < argc; ++i) {
		std::string_view arg = argv[i];
		double value = 0;
		if ((arg == "--interval" || arg == "--count") && i + 1 >= argc)
			return usage("missing value after option");
		if (arg == "--interval") {
			if (!parse_number(argv[++i], value) || value <= 0)
				return usage("bad --interval: give seconds, e.g. 0.5");
			options.interval = std::chrono::nanoseconds(static_cast<long long>(value * 1e9));
		} else if (arg == "--count") {
			if (!parse_number(argv[++i], value) || value < 1)
				return usage("bad --count: give a whole number from 1");
			count = static_cast<long>(value);
		} else {
			return usage("unknown argument");
		}
	}

	boost::asio::io_context io;
	long printed = 0;
	try {
		auto collector = tcptop::make_ebpf_collector(options);
		collector->start(io.get_executor(), [&](const tcptop::Snapshot &snapshot) {
			print_snapshot(snapshot);
			if (count && ++printed >= count) {
				collector->stop();
				io.stop();
			}
		});
		boost::asio::signal_set signals(io, SIGINT, SIGTERM);
		signals.async_wait([&](auto, int) {
			collector->stop();
			io.stop();
		});
		io.run();
	} catch (const tcptop::Error &error) {
		std::fprintf(stderr, "tcptop-print: %s\n", error.what());
		return error.code() == tcptop::Errc::missing_privilege ? 77 : 1;
	}
	return 0;
}
