// SPDX-License-Identifier: MIT
// tcp-churn: many short TCP connections per second on loopback, paced, each moving a known byte count.
//
// Usage: tcp-churn [--rate R] [--seconds S] [--bytes B] [--port P] [--threads T]
//                  [--server-cpu C] [--client-cpu C]
//
// A server (a child process, so that a monitor sees two processes) listens
// on 127.0.0.1:P; each connection it accepts gets B bytes read and B bytes
// written back, then the server closes it first, so that TIME_WAIT stays on
// the server side and the client's ephemeral ports come free at once. The
// client runs T threads; each opens its share of R connections per second
// at evenly spaced times (R = 0: as fast as it can), writes B bytes, reads
// B bytes back and closes. A thread that falls behind does not burst to
// catch up. Prints one JSON line with the achieved rate; a connection is
// completed only when all B bytes came back.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BYTES (1 << 20)
#define MAX_THREADS 64
#define SERVER_THREADS 2
/* How far a paced thread may fall behind before it gives up the lost slots. */
#define SLACK_NS 10000000LL

struct settings {
	uint64_t rate;
	double seconds;
	size_t bytes;
	uint16_t port;
	unsigned threads;
	int server_cpu;
	int client_cpu;
};

struct client_counts {
	atomic_uint_fast64_t completed;
	atomic_uint_fast64_t failed;
	atomic_flag error_shown;
};

static struct settings settings = {10000, 3.0, 100, 5400, 2, -1, -1};
static struct client_counts counts = {0, 0, ATOMIC_FLAG_INIT};
static atomic_uint_fast64_t server_accepted;
static int64_t deadline_ns;

static int64_t now_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void sleep_until(int64_t when_ns)
{
	struct timespec when = {when_ns / 1000000000LL, when_ns % 1000000000LL};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == EINTR)
		;
}

static void pin(int cpu)
{
	cpu_set_t set;
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "tcp-churn: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
}

static bool write_all(int fd, const char *data, size_t length)
{
	while (length > 0) {
		ssize_t done = write(fd, data, length);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		data += done;
		length -= (size_t)done;
	}
	return true;
}

static bool read_exactly(int fd, char *buffer, size_t length)
{
	while (length > 0) {
		ssize_t done = read(fd, buffer, length);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		buffer += done;
		length -= (size_t)done;
	}
	return true;
}

/* ---- server -------------------------------------------------------------- */

static void *serve(void *listener_ptr)
{
	int listener = *(int *)listener_ptr;
	char *buffer = malloc(settings.bytes ? settings.bytes : 1);

	for (;;) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "tcp-churn: server: accept: %s\n", strerror(errno));
			exit(1);
		}
		atomic_fetch_add(&server_accepted, 1);
		if (read_exactly(fd, buffer, settings.bytes))
			write_all(fd, buffer, settings.bytes);
		close(fd);
	}
	return NULL;
}

/* The server child: reports "ready" on \p report, serves until \p stop
 * reaches end of file, then reports how many connections it accepted. */
static int run_server(int report, int stop)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(settings.port)};
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	pthread_t threads[SERVER_THREADS];
	uint64_t accepted;
	char byte;

	pin(settings.server_cpu);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0 ||
	    listen(listener, 4096) != 0) {
		fprintf(stderr, "tcp-churn: server: cannot listen on 127.0.0.1:%u: %s\n",
			settings.port, strerror(errno));
		return 1;
	}
	for (int i = 0; i < SERVER_THREADS; ++i)
		pthread_create(&threads[i], NULL, serve, &listener);
	if (write(report, "R", 1) != 1)
		return 1;
	while (read(stop, &byte, 1) > 0)
		;
	accepted = atomic_load(&server_accepted);
	if (write(report, &accepted, sizeof(accepted)) != sizeof(accepted))
		return 1;
	/* The serving threads block in accept(): leave without joining them. */
	_exit(0);
}

/* ---- client -------------------------------------------------------------- */

static void fail(const char *what)
{
	atomic_fetch_add(&counts.failed, 1);
	if (!atomic_flag_test_and_set(&counts.error_shown))
		fprintf(stderr, "tcp-churn: first failure: %s: %s\n", what, strerror(errno));
}

static void one_connection(char *buffer)
{
	struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(settings.port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0) {
		fail("socket");
		return;
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof(server)) != 0)
		fail("connect");
	else if (!write_all(fd, buffer, settings.bytes))
		fail("write");
	else if (!read_exactly(fd, buffer, settings.bytes))
		fail("short read");
	else
		atomic_fetch_add(&counts.completed, 1);
	close(fd);
}

static void *client_thread(void *unused)
{
	char *buffer = calloc(1, settings.bytes ? settings.bytes : 1);
	int64_t spacing = settings.rate ? (int64_t)(1e9 * settings.threads / (double)settings.rate) : 0;
	int64_t next = now_ns();

	(void)unused;
	while (now_ns() < deadline_ns) {
		if (spacing) {
			int64_t now = now_ns();
			if (now - next > SLACK_NS)
				next = now;
			sleep_until(next);
			next += spacing;
		}
		one_connection(buffer);
	}
	free(buffer);
	return NULL;
}

/* ---- options and main ---------------------------------------------------- */

static void usage_error(const char *option, const char *value, const char *want)
{
	fprintf(stderr, "tcp-churn: %s: '%s' is not %s\n", option, value, want);
	exit(2);
}

static uint64_t number(const char *option, const char *value, uint64_t min, uint64_t max,
		       const char *want)
{
	char *end;
	unsigned long long parsed;

	if (!value || !*value || *value == '-')
		usage_error(option, value ? value : "", want);
	errno = 0;
	parsed = strtoull(value, &end, 10);
	if (errno || *end || parsed < min || parsed > max)
		usage_error(option, value, want);
	return parsed;
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; ++i) {
		const char *option = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(option, "--help")) {
			puts("usage: tcp-churn [--rate R] [--seconds S] [--bytes B] [--port P] "
			     "[--threads T] [--server-cpu C] [--client-cpu C]");
			exit(0);
		}
		if (!value) {
			fprintf(stderr, "tcp-churn: %s needs a value\n", option);
			exit(2);
		}
		++i;
		if (!strcmp(option, "--rate")) {
			settings.rate = number(option, value, 0, 10000000, "a rate from 0 to 10000000");
		} else if (!strcmp(option, "--seconds")) {
			char *end;
			settings.seconds = strtod(value, &end);
			if (*end || !(settings.seconds > 0 && settings.seconds <= 86400))
				usage_error(option, value, "a duration in seconds up to 86400");
		} else if (!strcmp(option, "--bytes")) {
			settings.bytes = number(option, value, 0, MAX_BYTES, "a byte count up to 1048576");
		} else if (!strcmp(option, "--port")) {
			settings.port = (uint16_t)number(option, value, 1, 65535, "a port");
		} else if (!strcmp(option, "--threads")) {
			settings.threads = (unsigned)number(option, value, 1, MAX_THREADS,
							    "a thread count from 1 to 64");
		} else if (!strcmp(option, "--server-cpu")) {
			settings.server_cpu = (int)number(option, value, 0, CPU_SETSIZE - 1, "a CPU");
		} else if (!strcmp(option, "--client-cpu")) {
			settings.client_cpu = (int)number(option, value, 0, CPU_SETSIZE - 1, "a CPU");
		} else {
			fprintf(stderr, "tcp-churn: unknown option '%s' (try --help)\n", option);
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	int report[2], stop[2];
	pthread_t threads[MAX_THREADS];
	uint64_t accepted = 0;
	int64_t started, ended;
	pid_t server;
	char ready;
	int status;

	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (pipe(report) != 0 || pipe(stop) != 0) {
		perror("tcp-churn: pipe");
		return 1;
	}
	server = fork();
	if (server < 0) {
		perror("tcp-churn: fork");
		return 1;
	}
	if (server == 0) {
		close(report[0]);
		close(stop[1]);
		/* Gone with the client, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(run_server(report[1], stop[0]));
	}
	close(report[1]);
	close(stop[0]);
	if (read(report[0], &ready, 1) != 1) {
		fprintf(stderr, "tcp-churn: the server did not start\n");
		waitpid(server, NULL, 0);
		return 1;
	}

	pin(settings.client_cpu);
	started = now_ns();
	deadline_ns = started + (int64_t)(settings.seconds * 1e9);
	for (unsigned i = 0; i < settings.threads; ++i)
		pthread_create(&threads[i], NULL, client_thread, NULL);
	for (unsigned i = 0; i < settings.threads; ++i)
		pthread_join(threads[i], NULL);
	ended = now_ns();

	close(stop[1]);
	if (read(report[0], &accepted, sizeof(accepted)) != sizeof(accepted))
		fprintf(stderr, "tcp-churn: the server did not report\n");
	waitpid(server, &status, 0);

	printf("{\"rate_target\":%" PRIu64 ",\"seconds\":%.3f,\"bytes\":%zu,\"threads\":%u,"
	       "\"completed\":%" PRIuFAST64 ",\"failed\":%" PRIuFAST64 ",\"rate_per_s\":%.1f,"
	       "\"port\":%u,\"server_accepted\":%" PRIu64 "}\n",
	       settings.rate, (double)(ended - started) / 1e9, settings.bytes, settings.threads,
	       atomic_load(&counts.completed), atomic_load(&counts.failed),
	       (double)atomic_load(&counts.completed) * 1e9 / (double)(ended - started),
	       settings.port, accepted);
	return atomic_load(&counts.failed) ? 1 : 0;
}
