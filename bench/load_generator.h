// SPDX-License-Identifier: MIT
// What the load generators (tcp-churn, udp-remotes) share: their server child, option numbers, clock, pinning.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The program's name, which every message starts with; set first in main(). */
extern const char *load_generator_name;

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t now_ns(void);

/* Pin the calling process to \p cpu (nothing when negative); on failure,
 * stop the server and exit 1 naming \p who ("server", "client"). */
void pin_to_cpu(int cpu, const char *who);

/* Exit 2 saying that \p value of \p option is not \p want. */
void option_error(const char *option, const char *value, const char *want);
/* \p value as a whole number from \p min to \p max, or option_error(). */
uint64_t option_number(const char *option, const char *value, uint64_t min, uint64_t max,
		       const char *want);
/* \p value as a duration above 0 and up to a day, in seconds, or option_error(). */
double option_seconds(const char *option, const char *value);

/*
 * The server child: a process of its own, so that a monitor sees two, that
 * dies with this one however it ends (it ignores SIGINT: the parent stops
 * it). It runs \p serve(report, stop): writes one byte on `report` once it
 * serves, serves until `stop` reaches end of file, then writes its report.
 * Returns once the child serves; from then on SIGINT, SIGTERM and SIGHUP
 * kill the child and end this process by the same signal, after
 * \p on_stop_signal (may be NULL) has run. Exits 1 on failure.
 */
void start_server_child(int (*serve)(int report, int stop), void (*on_stop_signal)(void));

/* Tell the child to stop, read its \p size bytes of report into \p report
 * and reap it; false (with a message) when it did not report. */
bool finish_server_child(void *report, size_t size);

/* Kill and reap the child, if any: async-signal-safe, for errors. */
void stop_server_now(void);
