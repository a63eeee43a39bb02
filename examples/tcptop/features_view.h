// SPDX-License-Identifier: MIT
// --features: what the collector sees on this kernel, as a table or as JSON.
#pragma once

#include <string>
#include <vector>

#include <tcptop/features.h>

namespace tcptop::cli {

/// One line per feature (name, yes/no, hooks), its note indented below.
std::string features_text(const std::vector<FeatureStatus> &features);

/// One JSON object, without the newline: {"features":[{"feature":...,
/// "available":...,"hooks":...,"note":...}, ...]}.
std::string features_json(const std::vector<FeatureStatus> &features);

} // namespace tcptop::cli
