// SPDX-License-Identifier: MIT
// Intervals and deadlines stretched for slow machines (TCPTOP_TEST_TIME_SCALE).
#pragma once

#include <chrono>

/**
 * The factor in TCPTOP_TEST_TIME_SCALE: how many times slower than a normal
 * host this machine runs the tests (an emulated kernel runs them several
 * times slower). 1 when unset, not a number, or below 1.
 */
double time_scale();

/// \p duration times time_scale(): for collection intervals and for how long
/// a test waits, never for a number the test checks.
std::chrono::milliseconds scaled(std::chrono::milliseconds duration);

/// The same for a timeout in milliseconds.
int scaled_ms(int milliseconds);
