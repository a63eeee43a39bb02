// SPDX-License-Identifier: MIT
// tcptop: which processes move how many bytes over which connections; live, as text or as JSON.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <tcptop/tcptop.hpp>

#include "arguments.h"
#include "exit_status.h"
#include "features_view.h"
#include "live_view.h"
#include "stream_view.h"

namespace {

using namespace tcptop;
using namespace tcptop::cli;

OutputMode resolved(OutputMode mode)
{
	if (mode != OutputMode::automatic)
		return mode;
	return isatty(STDOUT_FILENO) ? OutputMode::live : OutputMode::batch;
}

/* --programs: the exit status says whether the check ran, not what it found. */
int show_programs(const Arguments &arguments)
{
	std::error_code code;
	Diagnostics diagnostics;
	std::vector<ProgramCheck> programs = check_ebpf_programs(code, diagnostics);
	if (code)
		return report_failure("tcptop", code, diagnostics);
	std::string text = arguments.mode == OutputMode::json ? programs_json(programs) + '\n'
							   : programs_text(programs);
	std::fputs(text.c_str(), stdout);
	return std::fflush(stdout) == 0 ? exit_ok : exit_failure;
}

int run(const Arguments &arguments)
{
	if (arguments.programs)
		return show_programs(arguments);

	std::error_code code;
	Diagnostics diagnostics;
	std::unique_ptr<NetworkCollector> collector =
		arguments.collector_kind == CollectorKind::sock_diag
			? make_sock_diag_collector(arguments.collector, code, diagnostics)
			: make_ebpf_collector(arguments.collector, arguments.ebpf, code, diagnostics);
	if (!collector)
		return report_failure("tcptop", code, diagnostics);

	boost::asio::io_context io;
	boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM, SIGHUP);
	std::unique_ptr<LiveView> live;
	std::optional<StreamView> stream;
	int status = exit_ok;
	std::string failure;
	std::uint64_t shown = 0;

	auto finish = [&](int end_status, const std::string &message) {
		if (status == exit_ok) {
			status = end_status;
			failure = message;
		}
		collector->stop();
		/* Pending handlers are dropped: nothing more is shown. */
		io.stop();
	};

	auto show = [&](const Snapshot &snapshot) {
		if (live) {
			live->show(snapshot);
		} else if (!stream->show(snapshot)) {
			finish(exit_failure,
			       std::string("cannot write to standard output: ") + std::strerror(errno));
			return;
		}
		if (arguments.count && ++shown >= arguments.count)
			finish(exit_ok, {});
	};

	/* The handler is posted, never run inside start(): the view may
	 * come after it, and a failure is reported on the shell's screen. */
	if (std::error_code error = collector->start(io.get_executor(), show, diagnostics))
		return report_failure("tcptop", error, diagnostics);
	if (arguments.features) {
		std::vector<FeatureStatus> features = collector->features();
		collector->stop();
		std::string text = arguments.mode == OutputMode::json ? features_json(features) + '\n'
								   : features_text(features);
		std::fputs(text.c_str(), stdout);
		return std::fflush(stdout) == 0 ? exit_ok : exit_failure;
	}

	OutputMode mode = resolved(arguments.mode);
	if (mode == OutputMode::live) {
		live = std::make_unique<LiveView>(io, arguments.sort, arguments.rows, finish);
	} else {
		auto format = mode == OutputMode::json ? StreamView::Format::json
						       : StreamView::Format::table;
		stream.emplace(stdout, format, arguments.sort, arguments.rows);
	}
	stop_signals.async_wait([&](const boost::system::error_code &error, int) {
		if (!error)
			finish(exit_ok, {});
	});

	io.run();
	collector->stop();
	/* Give the terminal back before a failure is printed on it. */
	live.reset();
	if (!failure.empty())
		std::fprintf(stderr, "tcptop: %s\n", failure.c_str());
	return status;
}

} // namespace

int main(int argc, char *argv[])
{
	ParsedArguments parsed = parse_arguments(argc, argv);
	if (!parsed.error.empty()) {
		return report_usage("tcptop", parsed.error);
	}
	if (parsed.arguments.help) {
		std::fputs(help_text().c_str(), stdout);
		return exit_ok;
	}
	if (parsed.arguments.version) {
		std::printf("tcptop (libtcptop) %s\n", TCPTOP_VERSION_STRING);
		return exit_ok;
	}

	try {
		return run(parsed.arguments);
	} catch (const std::exception &error) {
		/* Unwinding has restored the terminal by now. */
		std::fprintf(stderr, "tcptop: %s\n", error.what());
		return exit_failure;
	}
}
