// SPDX-License-Identifier: MIT
// --features and --programs: what the collector sees on this kernel, as a table or as JSON.
#include "features_view.h"

#include <cstdio>

#include "json_writer.h"

namespace tcptop::cli {

namespace {

/* {"member":[...]}, one object per item, its members written by \p fill. */
template<typename Item, typename Fill>
std::string object_with_array(std::string_view member, const std::vector<Item> &items, Fill fill)
{
	std::string out;
	{
		ObjectWriter top(out);
		top.key(member) += '[';
		for (const Item &item : items) {
			if (out.back() != '[')
				out += ',';
			ObjectWriter entry(out);
			fill(entry, item);
		}
		out += ']';
	}
	return out;
}

} // namespace

std::string features_text(const std::vector<FeatureStatus> &features)
{
	std::string out;
	char line[256];
	for (const FeatureStatus &status : features) {
		std::snprintf(line, sizeof(line), "%-17s %-4s ",
			      std::string(to_string(status.feature)).c_str(),
			      status.available ? "yes" : "no");
		out += line;
		out += status.available ? status.hooks : "-";
		out += '\n';
		if (!status.note.empty())
			out += "                  " + status.note + '\n';
	}
	return out;
}

std::string features_json(const std::vector<FeatureStatus> &features)
{
	return object_with_array("features", features, [](ObjectWriter &entry, const FeatureStatus &status) {
		entry.string("feature", to_string(status.feature));
		entry.boolean("available", status.available);
		entry.string("hooks", status.hooks);
		entry.string("note", status.note);
	});
}

std::string programs_text(const std::vector<ProgramCheck> &programs)
{
	std::string out;
	char line[256];
	for (const ProgramCheck &check : programs) {
		std::snprintf(line, sizeof(line), "%-18s %-36s %s\n", check.name.c_str(),
			      check.hook.c_str(), check.loaded ? "loaded" : "refused");
		out += line;
		if (!check.offered)
			out += "                   not offered: " + check.missing + '\n';
		if (!check.loaded)
			out += "                   " + check.reason + '\n';
	}
	return out;
}

std::string programs_json(const std::vector<ProgramCheck> &programs)
{
	return object_with_array("programs", programs, [](ObjectWriter &entry, const ProgramCheck &check) {
		entry.string("name", check.name);
		entry.string("hook", check.hook);
		entry.boolean("offered", check.offered);
		entry.string("missing", check.missing);
		entry.boolean("loaded", check.loaded);
		entry.string("reason", check.reason);
	});
}

} // namespace tcptop::cli
