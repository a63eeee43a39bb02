// SPDX-License-Identifier: MIT
// StreamView: snapshots written one after the other, as text tables or JSON Lines.
#include "stream_view.h"

#include <string>

#include "json_writer.h"
#include "table.h"

namespace tcptop::cli {

bool StreamView::show(const Snapshot &snapshot)
{
	std::vector<const ConnectionRecord *> records = ordered_records(snapshot, sort_, rows_);
	std::string text;

	if (format_ == Format::json) {
		if (!cgroups_)
			cgroups_.emplace();
		text = snapshot_json(snapshot, records, workloads_from(*cgroups_));
		text += '\n';
	} else {
		text = summary_line(snapshot, sort_) + '\n';
		for (const std::string &line : table_lines(records, 0))
			text += line + '\n';
		text += '\n';
	}

	if (std::fwrite(text.data(), 1, text.size(), out_) != text.size())
		return false;
	return std::fflush(out_) == 0;
}

} // namespace tcptop::cli
