// SPDX-License-Identifier: MIT
// LiveView: the top-like screen, refreshed in place, driven by keys.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>

#include <tcptop/snapshot.h>

#include "ordering.h"
#include "terminal.h"

namespace tcptop::cli {

/**
 * \brief Shows each snapshot on the terminal, sized to it, and reacts to
 * keys: q quits, s selects the next sort order, p pauses the display (the
 * collector keeps running; the frozen snapshot can still be re-sorted).
 *
 * Also handles the signals that concern the screen: SIGWINCH redraws at
 * the new size, SIGTSTP (Ctrl-Z) gives the terminal back before stopping
 * and takes it again on SIGCONT. Everything runs on \p io's thread.
 */
class LiveView
{
public:
	/// Called when the view ends the run: exit status, and a message for
	/// a failure (empty on q).
	using Finish = std::function<void(int status, const std::string &message)>;

	/// Takes over the terminal on stdin and stdout.
	LiveView(boost::asio::io_context &io, SortKey sort, std::size_t rows, Finish finish);
	~LiveView();

	void show(const Snapshot &snapshot);
	/// Stop reading keys and watching signals, so that io can run out.
	void close();

private:
	void read_keys();
	void on_key(char key);
	void watch_signals();
	void redraw();

	Terminal terminal_;
	boost::asio::posix::stream_descriptor keyboard_;
	boost::asio::signal_set screen_signals_;
	std::array<char, 64> key_buffer_{};
	SortKey sort_;
	std::size_t rows_;
	Finish finish_;
	bool paused_ = false;
	std::optional<Snapshot> shown_;
};

} // namespace tcptop::cli
