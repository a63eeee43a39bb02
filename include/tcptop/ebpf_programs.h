// SPDX-License-Identifier: MIT
// The eBPF collector's kernel programs, each loaded on its own: which this kernel accepts, and why not.
#pragma once

#include <string>
#include <system_error>
#include <vector>

#include <tcptop/error.h>
#include <tcptop/export.h>

namespace tcptop {

/// One kernel program of the eBPF collector, tried on this kernel by itself.
struct ProgramCheck {
	/// The program's name in the BPF object ("tcp_dump").
	std::string name;
	/// Its hook, as its section names it ("iter/tcp", "cgroup_skb/egress").
	std::string hook;
	/// Whether the kernel has what the hook needs (the attach target in
	/// its BTF, the program type, BPF trampolines for fentry).
	bool offered = false;
	/// What the kernel lacks when not offered; empty otherwise.
	std::string missing;
	/// Whether the kernel loaded it (its verifier accepted it).
	bool loaded = false;
	/// Why not: the verifier's own reason in one line (the last meaningful
	/// line of its log), or libbpf's or the kernel's error; empty if loaded.
	std::string reason;
};

/**
 * \brief Load each of the eBPF collector's programs on its own and say
 * which this kernel accepts, so that a verifier that grew stricter shows up
 * as one named program rather than as a collector missing a feature.
 *
 * Nothing is attached; every program is unloaded before this returns. The
 * whole verifier log of a refusal goes where TCPTOP_BPF_LOG says (README).
 * Needs what the collector needs: CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN,
 * or root. Thread-safe; takes a few hundred milliseconds.
 * \param code set to Errc::missing_privilege or Errc::kernel_unsupported
 * (no BTF) when nothing could be tried, with \p diagnostics naming why
 * \return one entry per program, in the object's order; empty on error
 */
TCPTOP_EXPORT std::vector<ProgramCheck> check_ebpf_programs(std::error_code &code,
							    Diagnostics &diagnostics) noexcept;

} // namespace tcptop
