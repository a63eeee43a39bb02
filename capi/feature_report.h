// SPDX-License-Identifier: MIT
// FeatureReport: a collector's features as struct tcptop_feature, with the strings they point into.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <tcptop/features.h>
#include <tcptop/tcptop.h>

namespace tcptop::capi {

/**
 * \brief The C form of NetworkCollector::features(), made once per start.
 *
 * Neither copied nor moved: the entries point into the strings held here,
 * and callers keep pointers to the entries.
 */
class FeatureReport
{
public:
	/// The entries in Feature order. \throws std::bad_alloc
	explicit FeatureReport(std::vector<FeatureStatus> features);

	FeatureReport(const FeatureReport &) = delete;
	FeatureReport &operator=(const FeatureReport &) = delete;

	std::size_t size() const noexcept { return entries_.size(); }
	/// Entry \p i, or nullptr when \p i is out of range.
	const tcptop_feature *entry(std::size_t i) const noexcept;

private:
	struct Text {
		std::string name;
		std::string hooks;
		std::string note;
	};
	std::vector<Text> texts_;
	std::vector<tcptop_feature> entries_;
};

} // namespace tcptop::capi
