// SPDX-License-Identifier: MIT
// JSON Lines output: one snapshot as one line of JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tcptop/snapshot.h>

#include "workload_lookup.h"

namespace tcptop::cli {

/**
 * \brief Append \p text to \p out as a JSON string, quotes included.
 *
 * The result is pure ASCII whatever \p text holds: control characters and
 * every non-ASCII code point are written as \\u escapes (surrogate pairs
 * above U+FFFF), and each byte that is not part of well-formed UTF-8 as
 * \\ufffd, the replacement character. Process names are bytes chosen by
 * whoever started the process; this keeps every line valid JSON.
 */
void append_json_string(std::string &out, std::string_view text);

/// Builds one JSON object in a string; the caller names the members in
/// order, and the object is closed when the writer goes away.
class ObjectWriter
{
public:
	explicit ObjectWriter(std::string &out);
	~ObjectWriter();
	ObjectWriter(const ObjectWriter &) = delete;
	ObjectWriter &operator=(const ObjectWriter &) = delete;

	/// Starts a member; the caller writes its value into the string returned.
	std::string &key(std::string_view name);
	void string(std::string_view name, std::string_view value);
	void integer(std::string_view name, std::uint64_t value);
	/// A number, or null when \p value is not finite.
	void real(std::string_view name, double value);
	void boolean(std::string_view name, bool value);

private:
	std::string &out_;
	bool first_ = true;
};

/**
 * \brief One snapshot as a JSON object on one line, without the newline.
 *
 * Members: timestamp_ns, interval_ns, connections (the \p records, each
 * with exactly the field names of ConnectionRecord, and a member workload
 * with the fields of Workload, from \p workload_of, empty strings without
 * it) and stats (the fields of CollectorStats).
 */
std::string snapshot_json(const Snapshot &snapshot,
			  const std::vector<const ConnectionRecord *> &records,
			  const WorkloadOf &workload_of = {});

} // namespace tcptop::cli
