// SPDX-License-Identifier: MIT
// Terminal: the screen and keyboard of the live view, taken over and given back intact.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <termios.h>

namespace tcptop::cli {

/**
 * \brief Owns the terminal while the live view runs.
 *
 * Taking it over switches to the alternate screen (the shell's screen
 * comes back untouched afterwards), hides the cursor and, when the input
 * is a terminal too, turns off line buffering and echo so that single key
 * presses arrive at once. Signals keep working: Ctrl-C still sends SIGINT.
 * The destructor gives everything back; so does release(), for a stop
 * (Ctrl-Z), after which acquire() takes over again.
 */
class Terminal
{
public:
	struct Size {
		std::size_t rows = 24;
		std::size_t columns = 80;
	};

	Terminal(int input_fd, int output_fd);
	~Terminal();
	Terminal(const Terminal &) = delete;
	Terminal &operator=(const Terminal &) = delete;

	/// Switch to the view's settings and screen. Idempotent.
	void acquire();
	/// Restore the settings, file status flags, screen and cursor found at
	/// construction. Idempotent, and safe to call at any time.
	void release() noexcept;

	/// Whether keys can be read from the input (it is a terminal).
	bool has_keyboard() const { return keyboard_; }
	/// The size of the output terminal now (80x24 if it cannot be asked).
	Size size() const;

	/**
	 * \brief Replace the screen's content with \p lines from the top-left
	 * corner. Each line must fit the width: nothing here wraps or cuts.
	 * \return false when writing failed (errno tells why).
	 */
	bool draw(const std::vector<std::string> &lines);

private:
	bool write_all(std::string_view data);

	int input_;
	int output_;
	bool keyboard_;
	bool acquired_ = false;
	termios saved_settings_{};
	int saved_input_flags_ = -1;
};

} // namespace tcptop::cli
