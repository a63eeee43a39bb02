// SPDX-License-Identifier: MIT
// Loading the BPF skeleton with a chosen set of programs, and naming the one the kernel refused.
#pragma once

#include <functional>
#include <string>

struct tcptop_bpf;

namespace tcptop::linux_impl {

/// How one attempt to load the skeleton ended.
struct SkeletonLoad {
	/// The skeleton, loaded or not (the caller destroys it); null if it
	/// could not even be opened.
	tcptop_bpf *skeleton = nullptr;
	/// Whether the programs are loaded.
	bool loaded = false;
	/// The errno of the failure; 0 when loaded.
	int error = 0;
	/// The program the kernel refused, when that was the failure.
	std::string refused_program;
	/// Its hook, as its section names it ("iter/task_file").
	std::string refused_hook;
	/// One line: the verifier's reason for the refusal, else the errno's
	/// text; for a failure no program is to blame, libbpf's last words.
	std::string reason;
};

/**
 * \brief Open the skeleton, let \p choose pick the programs to load
 * (bpf_program__set_autoload) and size the maps, load, and report how that went.
 *
 * A refusal's whole verifier log goes to write_refusal_log(). For tests of
 * refusals, the programs named in the environment variable
 * TCPTOP_TEST_BREAK_PROGRAMS (comma separated) are handed to the kernel as
 * socket filters, a type none of them is written for, so that the verifier
 * refuses them for real.
 */
SkeletonLoad load_skeleton(const std::function<void(tcptop_bpf *)> &choose);

} // namespace tcptop::linux_impl
