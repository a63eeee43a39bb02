// SPDX-License-Identifier: MIT
// --features and --programs: what the collector sees on this kernel, as a table or as JSON.
#pragma once

#include <string>
#include <vector>

#include <tcptop/ebpf_programs.h>
#include <tcptop/features.h>

namespace tcptop::cli {

/// One line per feature (name, yes/no, hooks), its note indented below.
std::string features_text(const std::vector<FeatureStatus> &features);

/// One JSON object, without the newline: {"features":[{"feature":...,
/// "available":...,"hooks":...,"note":...}, ...]}.
std::string features_json(const std::vector<FeatureStatus> &features);

/// One line per program (name, hook, loaded yes/no), below it what the
/// kernel lacks for its hook and why the kernel refused it, if it did.
std::string programs_text(const std::vector<ProgramCheck> &programs);

/// One JSON object, without the newline: {"programs":[{"name":...,"hook":...,
/// "offered":...,"missing":...,"loaded":...,"reason":...}, ...]}.
std::string programs_json(const std::vector<ProgramCheck> &programs);

} // namespace tcptop::cli
