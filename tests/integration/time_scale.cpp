// SPDX-License-Identifier: MIT
// Intervals and deadlines stretched for slow machines (TCPTOP_TEST_TIME_SCALE).
#include "time_scale.h"

#include <cstdlib>

double time_scale()
{
	static const double factor = [] {
		const char *text = std::getenv("TCPTOP_TEST_TIME_SCALE");
		if (!text)
			return 1.0;
		char *end = nullptr;
		double value = std::strtod(text, &end);
		return end != text && value >= 1.0 ? value : 1.0;
	}();
	return factor;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds duration)
{
	return std::chrono::milliseconds(
		static_cast<std::chrono::milliseconds::rep>(static_cast<double>(duration.count()) * time_scale()));
}

int scaled_ms(int milliseconds)
{
	return static_cast<int>(scaled(std::chrono::milliseconds(milliseconds)).count());
}
