// SPDX-License-Identifier: MIT
// The text table of the live and batch views: a summary line, headings, one row per record.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <tcptop/snapshot.h>

#include "ordering.h"

namespace tcptop::cli {

/**
 * \brief The line above the table: local time, how many connections (and
 * of them closed), total send and receive rates, dropped events and the
 * sort order. Counts cover the whole snapshot, not only the rows shown.
 */
std::string summary_line(const Snapshot &snapshot, SortKey key);

/**
 * \brief The column headings, then one line per record, in the given order.
 *
 * Columns: PID, COMM, PROTO, LOCAL, REMOTE, STATE, TX/s, RX/s, TX total,
 * RX total, RTT. Each is as wide as its widest cell; when \p width (0: no
 * limit) is too narrow, the address columns give way first (cut on the
 * left, marked '+', so the port stays visible), then lines are cut.
 * Process names are shown with control characters and invalid UTF-8 as '?'.
 */
std::vector<std::string> table_lines(const std::vector<const ConnectionRecord *> &records,
				     std::size_t width);

/// "1.2.3.4:80" or "[::1]:80".
std::string format_endpoint(AddressFamily family, const IpAddress &address, std::uint16_t port);

} // namespace tcptop::cli
