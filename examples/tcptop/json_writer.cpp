// SPDX-License-Identifier: MIT
// JSON Lines output: one snapshot as one line of JSON.
#include "json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include <tcptop/connection_record.h>

#include "text.h"

namespace tcptop::cli {

namespace {

void append_u_escape(std::string &out, unsigned unit)
{
	static constexpr char hex[] = "0123456789abcdef";
	out += "\\u";
	for (int shift = 12; shift >= 0; shift -= 4)
		out += hex[(unit >> shift) & 0xf];
}

void append_escaped_code_point(std::string &out, char32_t code_point)
{
	switch (code_point) {
	case '"':
		out += "\\\"";
		return;
	case '\\':
		out += "\\\\";
		return;
	case '\b':
		out += "\\b";
		return;
	case '\f':
		out += "\\f";
		return;
	case '\n':
		out += "\\n";
		return;
	case '\r':
		out += "\\r";
		return;
	case '\t':
		out += "\\t";
		return;
	}
	/* DEL is legal JSON, but escaped all the same: a line that is shown
	 * on a terminal should carry no control character. */
	if (code_point >= 0x20 && code_point < 0x7f) {
		out += static_cast<char>(code_point);
	} else if (code_point < 0x10000) {
		append_u_escape(out, code_point);
	} else {
		char32_t offset = code_point - 0x10000;
		append_u_escape(out, 0xd800 + (offset >> 10));
		append_u_escape(out, 0xdc00 + (offset & 0x3ff));
	}
}

void append_record(std::string &out, const ConnectionRecord &r, const Workload &workload)
{
	ObjectWriter object(out);
	object.string("protocol", to_string(r.protocol));
	object.string("family", to_string(r.family));
	object.string("local_addr", format_address(r.family, r.local_addr));
	object.integer("local_port", r.local_port);
	object.string("remote_addr", format_address(r.family, r.remote_addr));
	object.integer("remote_port", r.remote_port);
	object.integer("netns", r.netns);
	object.integer("pid", r.pid);
	object.string("comm", r.comm);
	object.integer("cgroup_id", r.cgroup_id);
	object.string("state", to_string(r.state));
	object.string("role", to_string(r.role));
	object.integer("bytes_sent", r.bytes_sent);
	object.integer("bytes_received", r.bytes_received);
	object.integer("packets_sent", r.packets_sent);
	object.integer("packets_received", r.packets_received);
	object.real("bytes_sent_per_sec", r.bytes_sent_per_sec);
	object.real("bytes_received_per_sec", r.bytes_received_per_sec);
	object.integer("srtt_us", r.srtt_us);
	object.integer("retransmits", r.retransmits);
	object.integer("start_time_ns", r.start_time_ns);
	object.boolean("closed", r.closed);
	object.integer("close_time_ns", r.close_time_ns);
	object.integer("socket_cookie", r.socket_cookie);
	ObjectWriter named(object.key("workload"));
	named.string("cgroup_path", workload.cgroup_path);
	named.string("container_id", workload.container_id);
	named.string("container_runtime", workload.container_runtime);
	named.string("systemd_unit", workload.systemd_unit);
}

} // namespace

ObjectWriter::ObjectWriter(std::string &out) : out_(out)
{
	out_ += '{';
}

ObjectWriter::~ObjectWriter()
{
	out_ += '}';
}

std::string &ObjectWriter::key(std::string_view name)
{
	if (!first_)
		out_ += ',';
	first_ = false;
	append_json_string(out_, name);
	out_ += ':';
	return out_;
}

void ObjectWriter::string(std::string_view name, std::string_view value)
{
	append_json_string(key(name), value);
}

void ObjectWriter::integer(std::string_view name, std::uint64_t value)
{
	char text[24];
	auto result = std::to_chars(std::begin(text), std::end(text), value);
	key(name).append(text, result.ptr);
}

void ObjectWriter::real(std::string_view name, double value)
{
	/* JSON has no NaN or infinity; null says "no value" honestly. */
	if (!std::isfinite(value)) {
		key(name) += "null";
		return;
	}
	char text[32];
	auto result = std::to_chars(std::begin(text), std::end(text), value);
	key(name).append(text, result.ptr);
}

void ObjectWriter::boolean(std::string_view name, bool value)
{
	key(name) += value ? "true" : "false";
}


void append_json_string(std::string &out, std::string_view text)
{
	out += '"';
	for (std::size_t pos = 0; pos < text.size();) {
		Utf8Step step = decode_utf8(text, pos);
		append_escaped_code_point(out, step.valid ? step.code_point : U'\ufffd');
	}
	out += '"';
}

std::string snapshot_json(const Snapshot &snapshot,
			  const std::vector<const ConnectionRecord *> &records,
			  const WorkloadOf &workload_of)
{
	std::string out;
	out.reserve(256 + records.size() * 512);
	{
		ObjectWriter object(out);
		object.integer("timestamp_ns", snapshot.timestamp_ns);
		object.integer("interval_ns", snapshot.interval_ns);
		object.key("connections") += '[';
		for (std::size_t i = 0; i < records.size(); ++i) {
			if (i)
				out += ',';
			const ConnectionRecord &record = *records[i];
			append_record(out, record, workload_or_unknown(workload_of, record.cgroup_id));
		}
		out += ']';
		ObjectWriter stats(object.key("stats"));
		stats.integer("events", snapshot.stats.events);
		stats.integer("events_dropped", snapshot.stats.events_dropped);
		stats.integer("connections_tracked", snapshot.stats.connections_tracked);
		stats.integer("connections_evicted", snapshot.stats.connections_evicted);
		stats.integer("snapshots_coalesced", snapshot.stats.snapshots_coalesced);
		stats.integer("udp_datagrams_untracked", snapshot.stats.udp_datagrams_untracked);
		stats.integer("udp_datagrams_unparsed", snapshot.stats.udp_datagrams_unparsed);
		stats.integer("collection_ns", snapshot.stats.collection_ns);
		stats.integer("program_runs_missed", snapshot.stats.program_runs_missed);
		stats.integer("connections_unseen", snapshot.stats.connections_unseen);
	}
	return out;
}

} // namespace tcptop::cli
