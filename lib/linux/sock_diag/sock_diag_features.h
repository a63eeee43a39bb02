// SPDX-License-Identifier: MIT
// What the sock_diag collector reports in features(): what it sees, and what it cannot.
#pragma once

#include <string>
#include <vector>

#include <tcptop/features.h>
#include <tcptop/options.h>

namespace tcptop::linux_impl {

/// The features of a sock_diag collector for \p options; \p udp_problem,
/// when not empty, is why the kernel refused a UDP dump.
std::vector<FeatureStatus> sock_diag_features(const Options &options, const std::string &udp_problem);

} // namespace tcptop::linux_impl
