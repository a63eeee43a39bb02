/* SPDX-License-Identifier: MIT */
/* A small harness for the C tests: checks that count failures, and the rule for privileged tests. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

int harness_check(int ok, const char *what, const char *file, int line)
{
	if (!ok) {
		++failures;
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
	}
	return ok;
}

int harness_check_int(long long got, long long want, const char *what, const char *file, int line)
{
	if (got == want)
		return 1;
	++failures;
	fprintf(stderr, "%s:%d: CHECK failed: %s is %lld, expected %lld\n", file, line, what, got, want);
	return 0;
}

int harness_check_str(const char *got, const char *want, const char *what, const char *file, int line)
{
	if (got && strcmp(got, want) == 0)
		return 1;
	++failures;
	fprintf(stderr, "%s:%d: CHECK failed: %s is \"%s\", expected \"%s\"\n", file, line, what,
		got ? got : "(null)", want);
	return 0;
}

int harness_privileged(void)
{
	if (geteuid() == 0)
		return 1;
	fprintf(stderr, "the eBPF part of this test needs root\n");
	return 0;
}

int harness_exit(int privileged_part_skipped)
{
	const char *required = getenv("TCPTOP_REQUIRE_BPF");

	if (failures) {
		fprintf(stderr, "FAIL: %d checks failed\n", failures);
		return 1;
	}
	if (!privileged_part_skipped)
		return 0;
	if (required && strcmp(required, "1") == 0) {
		fprintf(stderr, "FAIL: TCPTOP_REQUIRE_BPF=1 forbids skipping the eBPF part\n");
		return 1;
	}
	fprintf(stderr, "SKIP: the eBPF part needs root\n");
	return 77;
}

uint64_t harness_wall_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}
