// SPDX-License-Identifier: MIT
// ProcessResources: what a collector holds while it lives (fds, and the BPF programs, maps and links bpftool lists), to compare with a baseline.
#pragma once

#include <set>
#include <string>
#include <vector>

struct ProcessResources {
	/// Open file descriptors of this process.
	std::size_t fds = 0;
	/// "prog 17 tcp_dump", "map 9 events", "link 4 prog 17": each BPF
	/// object of the system, as `bpftool -j prog|map|link show` lists it.
	std::set<std::string> bpf_objects;

	/// Now. \throws std::runtime_error when bpftool cannot be run.
	static ProcessResources now();

	/// What \p later holds that this does not, and the fd count's change:
	/// one line each; empty when \p later is back to this.
	std::vector<std::string> grown_in(const ProcessResources &later) const;
};
