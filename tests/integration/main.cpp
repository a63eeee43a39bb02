// SPDX-License-Identifier: MIT
// doctest's main for the privileged tests: skip (77) without root, unless
// TCPTOP_REQUIRE_BPF=1 turns a skip into a failure, as CI does.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		const char *required = std::getenv("TCPTOP_REQUIRE_BPF");
		if (required && std::strcmp(required, "1") == 0) {
			std::fprintf(stderr, "FAIL: these tests load eBPF programs and need root; "
					     "TCPTOP_REQUIRE_BPF=1 forbids skipping them\n");
			return 1;
		}
		std::fprintf(stderr, "SKIP: these tests load eBPF programs and need root\n");
		return 77;
	}
	doctest::Context context(argc, argv);
	return context.run();
}
