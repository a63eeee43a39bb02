// SPDX-License-Identifier: MIT
// What the load generators (tcp-churn, udp-remotes) share: their server child, option numbers, clock, pinning.
#define _GNU_SOURCE
#include "load_generator.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *load_generator_name = "load-generator";

/* The server child while it runs; 0 in the child itself and once reaped. */
static volatile pid_t server_pid;
static int report_fd = -1, stop_fd = -1;
static void (*before_stop_signal)(void);

int64_t now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

void pin_to_cpu(int cpu, const char *who)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "%s: cannot pin the %s to CPU %d: %s\n", load_generator_name, who,
			cpu, strerror(errno));
		stop_server_now();
		exit(1);
	}
}

void option_error(const char *option, const char *value, const char *want)
{
	fprintf(stderr, "%s: %s: '%s' is not %s\n", load_generator_name, option, value, want);
	exit(2);
}

uint64_t option_number(const char *option, const char *value, uint64_t min, uint64_t max,
		       const char *want)
{
	unsigned long long parsed;
	char *end;

	/* strtoull would take a sign or leading blanks; a count has neither. */
	if (!*value || *value == '-' || *value == '+' || *value == ' ')
		option_error(option, value, want);
	errno = 0;
	parsed = strtoull(value, &end, 10);
	if (errno || *end || parsed < min || parsed > max)
		option_error(option, value, want);
	return parsed;
}

double option_seconds(const char *option, const char *value)
{
	char *end;
	double seconds = strtod(value, &end);

	if (end == value || *end || !(seconds > 0 && seconds <= 86400))
		option_error(option, value, "a duration above 0 and up to 86400 seconds");
	return seconds;
}

void stop_server_now(void)
{
	pid_t pid = server_pid;

	if (pid > 0) {
		server_pid = 0;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

/* No result, no server left behind, and the signal's own exit status
 * (128 + n) for the shell. */
static void on_stop_signal(int signal_number)
{
	if (before_stop_signal)
		before_stop_signal();
	stop_server_now();
	signal(signal_number, SIG_DFL);
	raise(signal_number);
}

static void handle_stop_signals(void)
{
	struct sigaction action = {.sa_handler = on_stop_signal}, previous;

	sigemptyset(&action.sa_mask);
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGHUP, &action, NULL);
	/* A shell starts background jobs with SIGINT ignored: so leave it. */
	if (sigaction(SIGINT, NULL, &previous) == 0 && previous.sa_handler != SIG_IGN)
		sigaction(SIGINT, &action, NULL);
}

static void fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", load_generator_name, what, strerror(errno));
	stop_server_now();
	exit(1);
}

void start_server_child(int (*serve)(int report, int stop), void (*on_stop)(void))
{
	int report[2], stop[2];
	pid_t parent = getpid(), child;
	char ready;

	if (pipe2(report, O_CLOEXEC) != 0 || pipe2(stop, O_CLOEXEC) != 0)
		fail("pipe");
	child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		close(report[0]);
		close(stop[1]);
		/* Gone with the parent however it ends (Ctrl-C, SIGTERM,
		 * SIGKILL); Ctrl-C is the parent's to handle, so that it
		 * stops first. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		signal(SIGINT, SIG_IGN);
		_exit(serve(report[1], stop[0]));
	}
	server_pid = child;
	before_stop_signal = on_stop;
	handle_stop_signals();
	close(report[1]);
	close(stop[0]);
	report_fd = report[0];
	stop_fd = stop[1];
	if (read(report_fd, &ready, 1) != 1) {
		fprintf(stderr, "%s: the server did not start\n", load_generator_name);
		stop_server_now();
		exit(1);
	}
}

bool finish_server_child(void *report, size_t size)
{
	pid_t pid = server_pid;
	bool reported;

	close(stop_fd);
	reported = read(report_fd, report, size) == (ssize_t)size;
	if (!reported)
		fprintf(stderr, "%s: the server did not report\n", load_generator_name);
	/* Exiting on its own now: a signal from here on leaves it to PDEATHSIG. */
	server_pid = 0;
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return reported;
}
