// SPDX-License-Identifier: MIT
// tcp-churn: many short TCP connections per second on loopback, paced, each moving a known byte count.
//
// Usage: tcp-churn [--rate R] [--seconds S] [--bytes B] [--port P] [--threads T]
//                  [--server-cpu C] [--client-cpu C]
//
//   --rate R        connections per second over all threads, evenly spaced
//                   (0: as fast as they go; default 10000)
//   --seconds S     how long to run (default 3)
//   --bytes B       payload each way per connection (default 100)
//   --port P        the server's port on 127.0.0.1 (default 5400)
//   --threads T     client threads (default 2)
//   --server-cpu C, --client-cpu C
//                   pin the server or the client process to CPU C
//
// Prints one JSON line on stdout:
//   {"rate_target":R,"seconds":S,"bytes":B,"threads":T,"completed":N,
//    "failed":N,"rate_per_s":X,"port":P,"server_accepted":N}
// where seconds is the measured run time and rate_per_s the completed
// connections per second. Exit status: 0, 1 if a connection failed or a
// system call did (the first failure named on stderr), 2 for a bad option.
//
// The server is a child process, so that a monitor sees two processes. For
// each connection it reads B bytes, writes them back and closes first. The
// client reads the B bytes and then waits for the server's end of file
// before it closes: so TIME_WAIT is always on the server's side (the
// 4-tuple 127.0.0.1:P <- 127.0.0.1:ephemeral) and the client's ephemeral
// port is free again as soon as close() returns. A new SYN that meets one
// of the server's TIME_WAIT entries takes it over (its timestamp is newer),
// so the server holds at most one per client port (about 14,100 with the
// default range, connect() preferring even ports) and 10,000 connections per
// second run for as long as wanted without connect errors.
//
// Pacing: client thread t of T owns the slots start + (t + k * T) / R, sleeps
// for each with clock_nanosleep(TIMER_ABSTIME), and when it runs more than
// CATCH_UP_NS late it gives up the missed slots instead of bursting.
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
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "load_generator.h"

#define MAX_BYTES (1 << 20)
#define MAX_THREADS 64
#define MAX_RATE 10000000
#define SERVER_THREADS 2
#define BACKLOG 4096
/* How late a paced thread may run its slots before it gives up the missed ones. */
#define CATCH_UP_NS 5000000LL

struct settings {
	uint64_t rate;
	double seconds;
	size_t bytes;
	uint16_t port;
	unsigned threads;
	int server_cpu;
	int client_cpu;
};

static struct settings settings = {10000, 3.0, 100, 5400, 2, -1, -1};

/* The client's counters, shared by its threads. */
static atomic_uint_fast64_t completed, failed;
static atomic_flag client_error_shown = ATOMIC_FLAG_INIT;
static int64_t started_ns, deadline_ns;

/* On Ctrl-C or SIGTERM: the connections the server's death cuts are not
 * failures to report. */
static void quiet_client(void)
{
	atomic_flag_test_and_set(&client_error_shown);
}

/* The server's counters, in the child. */
static atomic_uint_fast64_t accepted;
static atomic_flag server_error_shown = ATOMIC_FLAG_INIT;

static void sleep_until(int64_t when_ns)
{
	struct timespec when = {when_ns / 1000000000LL, when_ns % 1000000000LL};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == EINTR)
		;
}

/* Writes all of \p data; returns 0, or the errno of the write that failed. */
static int write_all(int fd, const char *data, size_t length)
{
	while (length > 0) {
		ssize_t done = write(fd, data, length);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return errno;
		data += done;
		length -= (size_t)done;
	}
	return 0;
}

/* Reads until \p length bytes came or the peer closed; returns how many came,
 * or -1 with errno set. */
static ssize_t read_up_to(int fd, char *buffer, size_t length)
{
	size_t got = 0;

	while (got < length) {
		ssize_t done = read(fd, buffer + got, length - got);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -1;
		if (done == 0)
			break;
		got += (size_t)done;
	}
	return (ssize_t)got;
}

/* ---- server -------------------------------------------------------------- */

static void server_error(const char *what, int error)
{
	if (!atomic_flag_test_and_set(&server_error_shown))
		fprintf(stderr, "tcp-churn: server: first failure: %s: %s\n", what, strerror(error));
}

static void *serve(void *listener_ptr)
{
	int listener = *(int *)listener_ptr;
	char *buffer = malloc(settings.bytes ? settings.bytes : 1);

	if (!buffer) {
		fprintf(stderr, "tcp-churn: server: out of memory\n");
		exit(1);
	}
	for (;;) {
		int fd = accept(listener, NULL, NULL), error;
		ssize_t got;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "tcp-churn: server: accept: %s\n", strerror(errno));
			exit(1);
		}
		atomic_fetch_add(&accepted, 1);
		got = read_up_to(fd, buffer, settings.bytes);
		if (got < 0)
			server_error("read", errno);
		else if ((size_t)got < settings.bytes)
			server_error("the client closed before sending all its bytes", EPIPE);
		else if ((error = write_all(fd, buffer, settings.bytes)) != 0)
			server_error("write", error);
		/* Closing first leaves TIME_WAIT here, not on the client's port. */
		close(fd);
	}
	return NULL;
}

/* The server child: writes one byte on \p report once it listens, serves
 * until \p stop reaches end of file, then writes how many connections it
 * accepted. */
static int run_server(int report, int stop)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(settings.port)};
	pthread_t thread;
	uint64_t count;
	int listener, one = 1, error;
	char byte;

	pin_to_cpu(settings.server_cpu, "server");
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0) {
		fprintf(stderr, "tcp-churn: server: socket: %s\n", strerror(errno));
		return 1;
	}
	if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
		fprintf(stderr, "tcp-churn: server: SO_REUSEADDR: %s\n", strerror(errno));
		return 1;
	}
	if (bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0 ||
	    listen(listener, BACKLOG) != 0) {
		fprintf(stderr, "tcp-churn: server: cannot listen on 127.0.0.1:%u: %s "
			"(another --port?)\n", settings.port, strerror(errno));
		return 1;
	}
	for (int i = 0; i < SERVER_THREADS; ++i) {
		if ((error = pthread_create(&thread, NULL, serve, &listener)) != 0) {
			fprintf(stderr, "tcp-churn: server: pthread_create: %s\n", strerror(error));
			return 1;
		}
	}
	if (write(report, "R", 1) != 1)
		return 1;
	for (;;) {
		ssize_t got = read(stop, &byte, 1);
		if (got == 0 || (got < 0 && errno != EINTR))
			break;
	}
	count = atomic_load(&accepted);
	if (write(report, &count, sizeof(count)) != sizeof(count))
		return 1;
	/* The serving threads block in accept(): the process ends without them. */
	return 0;
}

/* ---- client -------------------------------------------------------------- */

static void client_failure(const char *what, int error)
{
	atomic_fetch_add(&failed, 1);
	if (!atomic_flag_test_and_set(&client_error_shown)) {
		if (error)
			fprintf(stderr, "tcp-churn: first failure: %s: %s\n", what, strerror(error));
		else
			fprintf(stderr, "tcp-churn: first failure: %s\n", what);
	}
}

/* connect, write B bytes, read B bytes back, wait for the server's FIN, close. */
static void one_connection(char *buffer)
{
	struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(settings.port)};
	char message[128], after;
	ssize_t got;
	int fd, error;

	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		client_failure("socket", errno);
		return;
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof(server)) != 0) {
		snprintf(message, sizeof(message), "connect to 127.0.0.1:%u", settings.port);
		client_failure(message, errno);
	} else if ((error = write_all(fd, buffer, settings.bytes)) != 0) {
		client_failure("write", error);
	} else if ((got = read_up_to(fd, buffer, settings.bytes)) < 0) {
		client_failure("read", errno);
	} else if ((size_t)got < settings.bytes) {
		snprintf(message, sizeof(message), "short read: %zd of %zu bytes came back", got,
			 settings.bytes);
		client_failure(message, 0);
	} else if ((got = read_up_to(fd, &after, 1)) < 0) {
		client_failure("read (waiting for the server to close)", errno);
	} else if (got != 0) {
		client_failure("the server sent more bytes than it was sent", 0);
	} else {
		atomic_fetch_add(&completed, 1);
	}
	close(fd);
}

static void *client_thread(void *index_ptr)
{
	unsigned index = *(unsigned *)index_ptr;
	char *buffer = calloc(1, settings.bytes ? settings.bytes : 1);
	/* Thread t's k-th slot: start + offset + k * period, in nanoseconds. */
	double period = settings.rate ? 1e9 * settings.threads / (double)settings.rate : 0;
	double offset = settings.rate ? 1e9 * index / (double)settings.rate : 0;

	if (!buffer) {
		client_failure("out of memory", ENOMEM);
		return NULL;
	}
	/* Wake-ups on time: the default slack of 50 us is a quarter of a slot at 10,000/s. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (!settings.rate) {
		while (now_ns() < deadline_ns)
			one_connection(buffer);
		free(buffer);
		return NULL;
	}
	for (uint64_t k = 0;; ++k) {
		int64_t slot = started_ns + (int64_t)(offset + (double)k * period);
		int64_t late = now_ns() - slot;

		if (late > CATCH_UP_NS) {
			/* Skip to the first slot no more than CATCH_UP_NS in the past. */
			k += (uint64_t)((double)(late - CATCH_UP_NS) / period) + 1;
			slot = started_ns + (int64_t)(offset + (double)k * period);
		}
		if (slot >= deadline_ns)
			break;
		sleep_until(slot);
		one_connection(buffer);
	}
	/* The schedule spans the whole run, so the rate is over all of it. */
	sleep_until(deadline_ns);
	free(buffer);
	return NULL;
}

/* ---- options and main ---------------------------------------------------- */

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; ++i) {
		const char *option = argv[i], *value;

		if (!strcmp(option, "--help") || !strcmp(option, "-h")) {
			puts("usage: tcp-churn [--rate R] [--seconds S] [--bytes B] [--port P] "
			     "[--threads T] [--server-cpu C] [--client-cpu C]");
			exit(0);
		}
		if (strncmp(option, "--", 2) != 0) {
			fprintf(stderr, "tcp-churn: unexpected argument '%s' (try --help)\n", option);
			exit(2);
		}
		if (i + 1 == argc) {
			fprintf(stderr, "tcp-churn: %s needs a value\n", option);
			exit(2);
		}
		value = argv[++i];
		if (!strcmp(option, "--rate")) {
			settings.rate = option_number(option, value, 0, MAX_RATE,
					       "a rate from 0 (unpaced) to 10000000 per second");
		} else if (!strcmp(option, "--seconds")) {
			settings.seconds = option_seconds(option, value);
		} else if (!strcmp(option, "--bytes")) {
			settings.bytes = option_number(option, value, 0, MAX_BYTES,
						"a byte count from 0 to 1048576");
		} else if (!strcmp(option, "--port")) {
			settings.port = (uint16_t)option_number(option, value, 1, 65535, "a port from 1 to 65535");
		} else if (!strcmp(option, "--threads")) {
			settings.threads = (unsigned)option_number(option, value, 1, MAX_THREADS,
							    "a thread count from 1 to 64");
		} else if (!strcmp(option, "--server-cpu")) {
			settings.server_cpu = (int)option_number(option, value, 0, CPU_SETSIZE - 1, "a CPU number");
		} else if (!strcmp(option, "--client-cpu")) {
			settings.client_cpu = (int)option_number(option, value, 0, CPU_SETSIZE - 1, "a CPU number");
		} else {
			fprintf(stderr, "tcp-churn: unknown option '%s' (try --help)\n", option);
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	pthread_t threads[MAX_THREADS];
	unsigned indexes[MAX_THREADS];
	uint64_t server_accepted = 0;
	int64_t ended;
	int error;

	load_generator_name = "tcp-churn";
	parse(argc, argv);
	/* A write to a connection the peer reset is a counted failure, not death. */
	signal(SIGPIPE, SIG_IGN);
	start_server_child(run_server, quiet_client);

	pin_to_cpu(settings.client_cpu, "client");
	started_ns = now_ns();
	deadline_ns = started_ns + (int64_t)(settings.seconds * 1e9);
	for (unsigned i = 0; i < settings.threads; ++i) {
		indexes[i] = i;
		if ((error = pthread_create(&threads[i], NULL, client_thread, &indexes[i])) != 0) {
			fprintf(stderr, "tcp-churn: pthread_create: %s\n", strerror(error));
			stop_server_now();
			return 1;
		}
	}
	for (unsigned i = 0; i < settings.threads; ++i)
		pthread_join(threads[i], NULL);
	ended = now_ns();

	finish_server_child(&server_accepted, sizeof(server_accepted));

	printf("{\"rate_target\":%" PRIu64 ",\"seconds\":%.3f,\"bytes\":%zu,\"threads\":%u,"
	       "\"completed\":%" PRIuFAST64 ",\"failed\":%" PRIuFAST64 ",\"rate_per_s\":%.1f,"
	       "\"port\":%u,\"server_accepted\":%" PRIu64 "}\n",
	       settings.rate, (double)(ended - started_ns) / 1e9, settings.bytes, settings.threads,
	       atomic_load(&completed), atomic_load(&failed),
	       (double)atomic_load(&completed) * 1e9 / (double)(ended - started_ns), settings.port,
	       server_accepted);
	return atomic_load(&failed) ? 1 : 0;
}
