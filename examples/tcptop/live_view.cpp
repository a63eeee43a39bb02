// SPDX-License-Identifier: MIT
// LiveView: the top-like screen, refreshed in place, driven by keys.
#include "live_view.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <unistd.h>

#include "table.h"

namespace tcptop::cli {

namespace {

/* The summary line and the column headings. */
constexpr std::size_t heading_lines = 2;

} // namespace

LiveView::LiveView(boost::asio::io_context &io, SortKey sort, std::size_t rows, Finish finish)
	: terminal_(STDIN_FILENO, STDOUT_FILENO),
	  keyboard_(io),
	  screen_signals_(io, SIGWINCH, SIGTSTP, SIGCONT),
	  sort_(sort),
	  rows_(rows),
	  finish_(std::move(finish))
{
	/* A duplicate, so that closing the descriptor leaves stdin open. */
	if (terminal_.has_keyboard()) {
		int fd = dup(STDIN_FILENO);
		if (fd >= 0) {
			keyboard_.assign(fd);
			read_keys();
		}
	}
	watch_signals();
	redraw();
}

LiveView::~LiveView()
{
	close();
}

void LiveView::close()
{
	boost::system::error_code ignored;
	keyboard_.close(ignored);
	screen_signals_.cancel(ignored);
}

void LiveView::show(const Snapshot &snapshot)
{
	if (paused_)
		return;
	shown_ = snapshot;
	redraw();
}

void LiveView::read_keys()
{
	keyboard_.async_read_some(boost::asio::buffer(key_buffer_),
				  [this](const boost::system::error_code &error, std::size_t size) {
					  if (error == boost::asio::error::operation_aborted)
						  return;
					  if (error) {
						  /* End of input (the terminal hung up):
						   * keep showing, without keys. */
						  return;
					  }
					  for (std::size_t i = 0; i < size; ++i)
						  on_key(key_buffer_[i]);
					  read_keys();
				  });
}

void LiveView::on_key(char key)
{
	switch (key) {
	case 'q':
	case 'Q':
		finish_(0, {});
		return;
	case 's':
		sort_ = next_sort_key(sort_);
		redraw();
		return;
	case 'p':
		paused_ = !paused_;
		redraw();
		return;
	}
	/* Anything else (arrow keys send several bytes) is ignored. */
}

void LiveView::watch_signals()
{
	screen_signals_.async_wait([this](const boost::system::error_code &error, int signal) {
		if (error)
			return;
		if (signal == SIGTSTP) {
			/* The shell gets its screen back while we are stopped;
			 * SIGSTOP cannot be caught, so execution resumes here. */
			terminal_.release();
			raise(SIGSTOP);
		}
		terminal_.acquire();
		redraw();
		watch_signals();
	});
}

void LiveView::redraw()
{
	Terminal::Size size = terminal_.size();
	/* One column spare: writing the last column leaves the cursor in a
	 * pending wrap that makes some terminals erase that character. */
	std::size_t width = std::max<std::size_t>(size.columns, 2) - 1;

	std::vector<std::string> lines;
	if (!shown_) {
		lines.push_back(std::string("collecting the first snapshot...").substr(0, width));
	} else {
		std::string summary = summary_line(*shown_, sort_);
		summary += paused_ ? "  [paused]" : "";
		summary += "  (q quit, s sort, p pause)";
		lines.push_back(summary.substr(0, width));

		std::vector<const ConnectionRecord *> records;
		if (size.rows > heading_lines) {
			std::size_t fitting = size.rows - heading_lines;
			records = ordered_records(*shown_, sort_, rows_ ? std::min(rows_, fitting) : fitting);
		}
		if (size.rows >= heading_lines) {
			std::vector<std::string> table = table_lines(records, width);
			lines.insert(lines.end(), table.begin(), table.end());
		}
	}

	if (!terminal_.draw(lines))
		finish_(1, std::string("cannot write to the terminal: ") + std::strerror(errno));
}

} // namespace tcptop::cli
