// SPDX-License-Identifier: MIT
// FUZZ_CHECK: a broken promise found by a fuzz target is a crash libFuzzer keeps the input of.
#pragma once

#include <cstdio>
#include <cstdlib>

/* assert() would vanish under NDEBUG; a fuzz target must always check. */
#define FUZZ_CHECK(condition)                                                          \
	do {                                                                           \
		if (!(condition)) {                                                    \
			std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,    \
				     __LINE__, #condition);                            \
			std::abort();                                                  \
		}                                                                      \
	} while (0)
