// SPDX-License-Identifier: MIT
// NetworkCollector: the interface every collector implements.
#pragma once

#include <functional>
#include <system_error>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <tcptop/error.h>
#include <tcptop/export.h>
#include <tcptop/features.h>
#include <tcptop/snapshot.h>

namespace tcptop {

/**
 * \brief Watches connections and delivers a Snapshot once per interval.
 *
 * Thread-safety: start(), stop() and running() may be called from any
 * thread, but not concurrently on the same object. The handler runs on a
 * strand made from the executor given to start(), never inline in start(),
 * never concurrently with itself.
 */
class TCPTOP_EXPORT NetworkCollector
{
public:
	/// Receives each snapshot; the reference is valid during the call only.
	using SnapshotHandler = std::function<void(const Snapshot &)>;

	virtual ~NetworkCollector() = default;

	/**
	 * \brief Attach to the kernel and begin collecting.
	 * \param executor where the handler runs (through a strand made from it;
	 *        passing a strand is fine). The collector counts as outstanding
	 *        work on it until stop(), so io_context::run() keeps running.
	 *        Its execution context must outlive the collector, or stop()
	 *        must be called before it is destroyed.
	 * \param handler called once per interval with the snapshot.
	 * \throws Error missing_privilege, kernel_unsupported, kernel_refused,
	 *         already_started or system_failure; what() names the cause.
	 */
	virtual void start(boost::asio::any_io_executor executor, SnapshotHandler handler) = 0;

	/// As start() above, reporting failure through the return value and
	/// \p diagnostics instead of throwing.
	virtual std::error_code start(boost::asio::any_io_executor executor,
				      SnapshotHandler handler,
				      Diagnostics &diagnostics) noexcept = 0;

	/**
	 * \brief Detach from the kernel and stop delivering.
	 *
	 * Returns only when no handler is running or can run any more, except
	 * when called from inside the handler: then the running call is the
	 * last. Idempotent; the destructor calls it.
	 */
	virtual void stop() noexcept = 0;

	/// True between a successful start() and stop().
	virtual bool running() const noexcept = 0;

	/**
	 * \brief What this collector sees on this kernel, one entry per Feature.
	 *
	 * The kernel is probed at start(), and for each feature the preferred
	 * means that the kernel offers are used, with fallbacks. A feature the
	 * kernel cannot provide is unavailable (its data is absent from the
	 * snapshots, never reported as 0, but for the sock_diag collector's
	 * UDP records, whose counts are 0) while the others run; start() fails
	 * when nothing that was asked for can be had. Privileges are not
	 * worked around: a capability that a chosen means needs is required,
	 * or start() fails naming it.
	 *
	 * \return the choice made by the last successful start(); empty before.
	 * Not to be called concurrently with start() or stop().
	 */
	virtual std::vector<FeatureStatus> features() const = 0;
};

} // namespace tcptop
