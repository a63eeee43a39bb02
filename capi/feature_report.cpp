// SPDX-License-Identifier: MIT
// FeatureReport: a collector's features as struct tcptop_feature, with the strings they point into.
#include "capi/feature_report.h"

#include <algorithm>
#include <cstddef>

namespace tcptop::capi {

/* The C values are the C++ enumerators, so that entry i is feature i. */
static_assert(TCPTOP_FEATURE_TCP_COUNTERS == static_cast<unsigned>(Feature::tcp_counters));
static_assert(TCPTOP_FEATURE_TCP_LIFECYCLE == static_cast<unsigned>(Feature::tcp_lifecycle));
static_assert(TCPTOP_FEATURE_UDP_COUNTERS == static_cast<unsigned>(Feature::udp_counters));
static_assert(TCPTOP_FEATURE_UDP_LIFECYCLE == static_cast<unsigned>(Feature::udp_lifecycle));
static_assert(TCPTOP_FEATURE_SOCKET_OWNERS == static_cast<unsigned>(Feature::socket_owners));
static_assert(TCPTOP_FEATURE_OTHER_NAMESPACES == static_cast<unsigned>(Feature::other_namespaces));

/* The layout callers (and examples/tcptop_ctypes.py) were built against:
 * fields may be appended, never moved. */
static_assert(offsetof(tcptop_feature, available) == 4 && offsetof(tcptop_feature, name) == 8 &&
	      sizeof(tcptop_feature) == 8 + 3 * sizeof(const char *));

FeatureReport::FeatureReport(std::vector<FeatureStatus> features)
{
	/* The C++ API promises one entry per feature, not an order. */
	std::stable_sort(features.begin(), features.end(),
			 [](const FeatureStatus &a, const FeatureStatus &b) { return a.feature < b.feature; });

	texts_.reserve(features.size());
	for (FeatureStatus &status : features)
		texts_.push_back({std::string(to_string(status.feature)), std::move(status.hooks),
				  std::move(status.note)});

	/* texts_ is complete and never grows again: the pointers hold. */
	entries_.reserve(features.size());
	for (std::size_t i = 0; i < features.size(); ++i) {
		tcptop_feature entry{};
		entry.feature = static_cast<std::uint32_t>(features[i].feature);
		entry.available = features[i].available ? 1 : 0;
		entry.name = texts_[i].name.c_str();
		entry.hooks = texts_[i].hooks.c_str();
		entry.note = texts_[i].note.c_str();
		entries_.push_back(entry);
	}
}

const tcptop_feature *FeatureReport::entry(std::size_t i) const noexcept
{
	return i < entries_.size() ? &entries_[i] : nullptr;
}

} // namespace tcptop::capi
