// SPDX-License-Identifier: MIT
// SnapshotChannel: where the collection loop hands its snapshots, without ever waiting.
#pragma once

#include <memory>

#include <tcptop/snapshot.h>

namespace tcptop {

/**
 * \brief The consumer side of a collector, as the collection loop sees it.
 *
 * offer() never waits for the consumer: when it has not taken the earlier
 * snapshots it refuses, and the loop folds the interval into the next
 * snapshot (snapshots_coalesced), so a slow consumer costs neither memory
 * nor events. Implementations: StrandChannel (handlers posted on a strand)
 * and PullChannel (taken by the caller's threads).
 */
class SnapshotChannel
{
public:
	virtual ~SnapshotChannel() = default;

	/// Producer side, from one thread. False when full or closed;
	/// \p snapshot is then untouched.
	virtual bool offer(std::unique_ptr<Snapshot> &snapshot) = 0;

	/// Nothing more is delivered once it returns (see each implementation
	/// for a consumer that is running). Idempotent.
	virtual void close() noexcept = 0;
};

} // namespace tcptop
