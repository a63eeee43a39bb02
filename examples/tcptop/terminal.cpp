// SPDX-License-Identifier: MIT
// Terminal: the screen and keyboard of the live view, taken over and given back intact.
#include "terminal.h"

#include <cerrno>
#include <string_view>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace tcptop::cli {

namespace {

/* xterm control sequences, understood by every terminal emulator in use. */
constexpr std::string_view enter_screen = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
constexpr std::string_view leave_screen = "\x1b[?25h\x1b[?1049l";
constexpr std::string_view cursor_home = "\x1b[H";
constexpr std::string_view clear_line_end = "\x1b[K";
constexpr std::string_view clear_screen_end = "\x1b[J";

} // namespace

Terminal::Terminal(int input_fd, int output_fd)
	: input_(input_fd), output_(output_fd), keyboard_(isatty(input_fd) == 1)
{
	if (keyboard_ && tcgetattr(input_, &saved_settings_) != 0)
		keyboard_ = false;
	/* Reading keys through Asio makes the input non-blocking, and on a
	 * terminal that open file is usually shared with the shell: its flags
	 * must be put back as found. */
	saved_input_flags_ = fcntl(input_, F_GETFL);
	acquire();
}

Terminal::~Terminal()
{
	release();
}

void Terminal::acquire()
{
	if (acquired_)
		return;
	if (keyboard_) {
		termios settings = saved_settings_;
		settings.c_lflag &= ~(ICANON | ECHO);
		settings.c_cc[VMIN] = 1;
		settings.c_cc[VTIME] = 0;
		tcsetattr(input_, TCSANOW, &settings);
	}
	acquired_ = true;
	write_all(enter_screen);
}

void Terminal::release() noexcept
{
	if (!acquired_)
		return;
	acquired_ = false;
	write_all(leave_screen);
	if (keyboard_)
		tcsetattr(input_, TCSANOW, &saved_settings_);
	if (saved_input_flags_ >= 0)
		fcntl(input_, F_SETFL, saved_input_flags_);
}

Terminal::Size Terminal::size() const
{
	winsize window{};
	if (ioctl(output_, TIOCGWINSZ, &window) != 0 || window.ws_row == 0 || window.ws_col == 0)
		return {};
	return {window.ws_row, window.ws_col};
}

bool Terminal::draw(const std::vector<std::string> &lines)
{
	/* Overwrite in place and clear the rest, rather than clearing first:
	 * a cleared screen would flicker on every refresh. */
	std::string frame(cursor_home);
	for (std::size_t i = 0; i < lines.size(); ++i) {
		if (i)
			frame += "\r\n";
		frame += lines[i];
		frame += clear_line_end;
	}
	frame += clear_screen_end;
	return write_all(frame);
}

bool Terminal::write_all(std::string_view data)
{
	std::size_t done = 0;
	while (done < data.size()) {
		ssize_t n = write(output_, data.data() + done, data.size() - done);
		if (n > 0) {
			done += static_cast<std::size_t>(n);
		} else if (n < 0 && errno == EAGAIN) {
			/* Non-blocking through the shared open file (see above). */
			pollfd wait{output_, POLLOUT, 0};
			poll(&wait, 1, -1);
		} else if (n < 0 && errno != EINTR) {
			return false;
		}
	}
	return true;
}

} // namespace tcptop::cli
