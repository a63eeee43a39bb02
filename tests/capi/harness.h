/* SPDX-License-Identifier: MIT */
/* A small harness for the C tests: checks that count failures, and the rule for privileged tests. */
#ifndef TCPTOP_TEST_HARNESS_H
#define TCPTOP_TEST_HARNESS_H

#include <stdint.h>

/* Each check prints what failed and where, and the test goes on. */
#define CHECK(cond) harness_check((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_INT(got, want) harness_check_int((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
#define CHECK_STR(got, want) harness_check_str((got), (want), #got, __FILE__, __LINE__)

int harness_check(int ok, const char *what, const char *file, int line);
int harness_check_int(long long got, long long want, const char *what, const char *file, int line);
int harness_check_str(const char *got, const char *want, const char *what, const char *file, int line);

/*
 * Whether eBPF may be loaded here (root). When not, says so and the test
 * should end with harness_exit(1): a skip (77), or a failure when
 * TCPTOP_REQUIRE_BPF=1 forbids skipping, as in CI.
 */
int harness_privileged(void);

/* The exit status: 1 after any failed check, else 77 when the privileged
 * part was skipped, else 0. */
int harness_exit(int privileged_part_skipped);

/* Wall clock in ns since the epoch, as snapshot timestamps are. */
uint64_t harness_wall_ns(void);

#endif
