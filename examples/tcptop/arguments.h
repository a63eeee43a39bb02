// SPDX-License-Identifier: MIT
// The command line of tcptop: its options, parsed into collector Options and view settings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <tcptop/ebpf_collector.h>
#include <tcptop/options.h>

#include "ordering.h"

namespace tcptop::cli {

enum class OutputMode {
	automatic, ///< live on a terminal, batch otherwise
	live,
	batch,
	json,
};

/// Which NetworkCollector reads the kernel (--collector).
enum class CollectorKind {
	ebpf,      ///< make_ebpf_collector(): everything, needs BPF privileges
	sock_diag, ///< make_sock_diag_collector(): no BPF, no capability
};

struct Arguments {
	/// Interval and filters, passed to the collector as they are: the
	/// library checks their ranges.
	Options collector;
	/// The eBPF collector's own settings (--hooks).
	EbpfOptions ebpf;
	CollectorKind collector_kind = CollectorKind::ebpf;
	/// Snapshots to show before exiting; 0 to run until stopped.
	std::uint64_t count = 0;
	SortKey sort = SortKey::rate;
	/// Most records shown per snapshot; 0: all (the live view: all that fit).
	std::size_t rows = 0;
	OutputMode mode = OutputMode::automatic;
	/// Print the collector's features and exit.
	bool features = false;
	/// Print which kernel programs this kernel accepts and exit.
	bool programs = false;
	bool help = false;
	bool version = false;
};

/// parse_arguments() result: the arguments, or a one-line message naming
/// the bad argument.
struct ParsedArguments {
	Arguments arguments;
	std::string error;
};

ParsedArguments parse_arguments(int argc, char *argv[]);

/// The --help text: a synopsis and every option, as the man page has them.
std::string help_text();

} // namespace tcptop::cli
