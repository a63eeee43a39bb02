// SPDX-License-Identifier: MIT
// The text table of the live and batch views: a summary line, headings, one row per record.
#include "table.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <string_view>

#include <tcptop/connection_record.h>

#include "text.h"
#include "units.h"

namespace tcptop::cli {

namespace {

struct Column {
	std::string_view heading;
	bool right_aligned;
	/* Wide enough for the widest value the units produce, so that numbers
	 * do not shift sideways from one refresh to the next. */
	std::size_t min_width;
};

constexpr std::array<Column, 11> columns = {{
	{"PID", true, 7},
	{"COMM", false, 4},
	{"PROTO", false, 5},
	{"LOCAL", false, 5},
	{"REMOTE", false, 6},
	{"STATE", false, 5},
	{"TX/s", true, 10},
	{"RX/s", true, 10},
	{"TX total", true, 8},
	{"RX total", true, 8},
	{"RTT", true, 7},
}};

constexpr std::size_t local_column = 3;
constexpr std::size_t remote_column = 4;
/* Narrow enough for 80 columns with IPv4 peers, wide enough for a port. */
constexpr std::size_t min_address_width = 12;
constexpr std::string_view gap = "  ";

using Row = std::array<std::string, columns.size()>;

Row make_row(const ConnectionRecord &r)
{
	bool tcp = r.protocol == Protocol::tcp;
	std::string state = r.closed ? "CLOSED" : r.state == TcpState::none ? "-" : std::string(to_string(r.state));

	return {
		r.pid ? std::to_string(r.pid) : "-",
		r.comm.empty() ? "-" : printable(r.comm),
		std::string(to_string(r.protocol)),
		format_endpoint(r.family, r.local_addr, r.local_port),
		format_endpoint(r.family, r.remote_addr, r.remote_port),
		state,
		format_rate(r.bytes_sent_per_sec),
		format_rate(r.bytes_received_per_sec),
		format_bytes(r.bytes_sent),
		format_bytes(r.bytes_received),
		tcp && r.srtt_us ? format_rtt(r.srtt_us) : "-",
	};
}

/* Narrows the address columns, the wider first, until the table fits. */
void fit_addresses(std::array<std::size_t, columns.size()> &widths, std::size_t limit)
{
	std::size_t total = gap.size() * (widths.size() - 1);
	for (std::size_t w : widths)
		total += w;

	while (total > limit) {
		std::size_t &wider = widths[local_column] >= widths[remote_column]
					     ? widths[local_column]
					     : widths[remote_column];
		if (wider <= min_address_width)
			break;
		--wider;
		--total;
	}
}

std::string fit_cell(const std::string &cell, std::size_t width)
{
	if (display_width(cell) <= width)
		return cell;
	if (width == 0)
		return {};
	return "+" + std::string(trailing_columns(cell, width - 1));
}

std::string join(const Row &row, const std::array<std::size_t, columns.size()> &widths,
		 std::size_t limit)
{
	std::string line;
	for (std::size_t c = 0; c < row.size(); ++c) {
		std::string cell = fit_cell(row[c], widths[c]);
		std::string padding(widths[c] - display_width(cell), ' ');
		if (c)
			line += gap;
		if (columns[c].right_aligned)
			line += padding + cell;
		else if (c + 1 < row.size())
			line += cell + padding;
		else
			line += cell;
	}
	if (limit)
		line.resize(leading_columns(line, limit).size());
	return line;
}

} // namespace

std::string format_endpoint(AddressFamily family, const IpAddress &address, std::uint16_t port)
{
	std::string text = format_address(family, address);
	if (family == AddressFamily::ipv6)
		text = "[" + text + "]";
	return text + ":" + std::to_string(port);
}

std::string summary_line(const Snapshot &snapshot, SortKey key)
{
	double sent = 0;
	double received = 0;
	std::size_t closed = 0;
	for (const ConnectionRecord &r : snapshot.connections) {
		sent += r.bytes_sent_per_sec;
		received += r.bytes_received_per_sec;
		closed += r.closed;
	}

	std::time_t seconds = static_cast<std::time_t>(snapshot.timestamp_ns / 1'000'000'000);
	std::tm local{};
	char clock[16] = "--:--:--";
	if (localtime_r(&seconds, &local))
		std::strftime(clock, sizeof(clock), "%H:%M:%S", &local);

	std::string line = std::string(clock) + "  " + std::to_string(snapshot.connections.size()) +
			   (snapshot.connections.size() == 1 ? " connection" : " connections");
	if (closed)
		line += " (" + std::to_string(closed) + " closed)";
	line += "  TX " + format_rate(sent) + "  RX " + format_rate(received);
	line += "  dropped " + std::to_string(snapshot.stats.events_dropped);
	if (snapshot.stats.connections_evicted)
		line += "  untracked " + std::to_string(snapshot.stats.connections_evicted);
	if (std::uint64_t uncounted = snapshot.stats.udp_datagrams_untracked +
				       snapshot.stats.udp_datagrams_unparsed)
		line += "  UDP datagrams uncounted " + std::to_string(uncounted);
	if (snapshot.stats.program_runs_missed)
		line += "  kernel runs missed " + std::to_string(snapshot.stats.program_runs_missed);
	if (snapshot.stats.connections_unseen)
		line += "  unseen " + std::to_string(snapshot.stats.connections_unseen);
	line += "  sort: " + std::string(to_string(key));
	return line;
}

std::vector<std::string> table_lines(const std::vector<const ConnectionRecord *> &records,
				     std::size_t width)
{
	std::vector<Row> rows;
	rows.reserve(records.size());
	for (const ConnectionRecord *record : records)
		rows.push_back(make_row(*record));

	Row headings;
	std::array<std::size_t, columns.size()> widths{};
	for (std::size_t c = 0; c < columns.size(); ++c) {
		headings[c] = columns[c].heading;
		widths[c] = columns[c].min_width;
		for (const Row &row : rows)
			widths[c] = std::max(widths[c], display_width(row[c]));
	}
	if (width)
		fit_addresses(widths, width);

	std::vector<std::string> lines;
	lines.reserve(rows.size() + 1);
	lines.push_back(join(headings, widths, width));
	for (const Row &row : rows)
		lines.push_back(join(row, widths, width));
	return lines;
}

} // namespace tcptop::cli
