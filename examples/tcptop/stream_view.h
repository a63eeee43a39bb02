// SPDX-License-Identifier: MIT
// StreamView: snapshots written one after the other, as text tables or JSON Lines.
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>

#include <tcptop/snapshot.h>
#include <tcptop/workload.h>

#include "ordering.h"

namespace tcptop::cli {

/**
 * \brief For a pipe or a file: each snapshot is written whole and flushed,
 * so that a reader sees complete lines as they come.
 */
class StreamView
{
public:
	enum class Format {
		table, ///< the summary line, the table, a blank line
		json,  ///< one JSON object on one line
	};

	StreamView(std::FILE *out, Format format, SortKey sort, std::size_t rows)
		: out_(out), format_(format), sort_(sort), rows_(rows)
	{
	}

	/// \return false when writing failed (errno tells why).
	bool show(const Snapshot &snapshot);

private:
	std::FILE *out_;
	Format format_;
	SortKey sort_;
	std::size_t rows_;
	/* JSON names each record's container or unit; made on first use. */
	std::optional<CgroupResolver> cgroups_;
};

} // namespace tcptop::cli
