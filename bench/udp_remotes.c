// SPDX-License-Identifier: MIT
// udp-remotes: one UDP socket answering many distinct client endpoints, as a DNS server sees.
//
// Usage: udp-remotes [--remotes N] [--seconds S] [--mode latency|throughput]
//                    [--port P] [--size B] [--server-cpu C] [--client-cpu C]
//
// The server (a child process) has one UDP socket on 127.0.0.1:P. The
// client has N sockets, each bound to its own loopback address from
// 127.1.0.1 up, and goes round them: in latency mode each sends a B-byte
// datagram and waits for the server's echo (median and 90th percentile of
// the round trip), in throughput mode each sends without waiting (the
// sender's rate, as iperf3 reports it). With N = 1 every datagram takes a
// monitor's per-socket fast path; with many, the server's datagrams take
// its per-remote path. Prints one JSON line; a lost reply is an error.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REMOTES 65536
#define MAX_SIZE 1472
/* Round trips are kept in a histogram of 10 ns buckets up to 1 ms. */
#define BUCKET_NS 10
#define BUCKETS 100000

enum mode { LATENCY, THROUGHPUT };

struct settings {
	unsigned remotes;
	double seconds;
	enum mode mode;
	uint16_t port;
	size_t size;
	int server_cpu;
	int client_cpu;
};

struct server_report {
	uint64_t datagrams;
	uint64_t bytes;
};

static struct settings settings = {10000, 3.0, LATENCY, 5353, 64, -1, -1};

static int64_t now_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "udp-remotes: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		die("sched_setaffinity");
}

static struct sockaddr_in loopback(uint32_t host_order_address, uint16_t port)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
	address.sin_addr.s_addr = htonl(host_order_address);
	return address;
}

/* The i-th client address: 127.1.0.1, 127.1.0.2, ..., never .0 or .255 last. */
static uint32_t client_address(unsigned i)
{
	unsigned last = 1 + i % 254, rest = i / 254;
	return (127u << 24) | ((1 + rest / 256) << 16) | ((rest % 256) << 8) | last;
}

/* ---- server -------------------------------------------------------------- */

/* Serves until \p stop reaches end of file; checked only when the socket
 * has been idle for 100 ms, so that the datagram path stays one call. */
static int run_server(int report, int stop)
{
	struct sockaddr_in address = loopback(INADDR_LOOPBACK, settings.port);
	struct timeval idle = {0, 100000};
	struct server_report counts = {0, 0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int room = 8 << 20;
	char buffer[MAX_SIZE];

	pin(settings.server_cpu);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		fprintf(stderr, "udp-remotes: server: cannot bind 127.0.0.1:%u: %s\n", settings.port,
			strerror(errno));
		return 1;
	}
	if (write(report, "R", 1) != 1)
		return 1;
	for (;;) {
		struct sockaddr_in from;
		socklen_t length = sizeof(from);
		ssize_t got = recvfrom(fd, buffer, sizeof(buffer), 0, (struct sockaddr *)&from, &length);
		if (got < 0) {
			struct timeval none = {0, 0};
			fd_set set;
			if (errno != EAGAIN && errno != EINTR)
				die("server: recvfrom");
			FD_ZERO(&set);
			FD_SET(stop, &set);
			if (select(stop + 1, &set, NULL, NULL, &none) > 0)
				break;
			continue;
		}
		++counts.datagrams;
		counts.bytes += (uint64_t)got;
		if (settings.mode == LATENCY)
			sendto(fd, buffer, (size_t)got, 0, (struct sockaddr *)&from, length);
	}
	return write(report, &counts, sizeof(counts)) == sizeof(counts) ? 0 : 1;
}

/* ---- client -------------------------------------------------------------- */

static int *open_clients(void)
{
	struct rlimit files;
	int *sockets = calloc(settings.remotes, sizeof(int));
	struct timeval patience = {1, 0};

	getrlimit(RLIMIT_NOFILE, &files);
	if (files.rlim_cur < settings.remotes + 64) {
		files.rlim_cur = settings.remotes + 64;
		if (files.rlim_max < files.rlim_cur)
			files.rlim_max = files.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &files) != 0)
			die("setrlimit RLIMIT_NOFILE (fewer --remotes, or raise the hard limit)");
	}
	for (unsigned i = 0; i < settings.remotes; ++i) {
		struct sockaddr_in address = loopback(client_address(i), 0);
		sockets[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (sockets[i] < 0)
			die("socket");
		if (bind(sockets[i], (struct sockaddr *)&address, sizeof(address)) != 0)
			die("bind to a 127.x.y.z client address");
		setsockopt(sockets[i], SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
	}
	return sockets;
}

static double percentile(const uint64_t *histogram, uint64_t total, double fraction)
{
	uint64_t wanted = (uint64_t)(fraction * (double)total), seen = 0;
	for (unsigned bucket = 0; bucket <= BUCKETS; ++bucket) {
		seen += histogram[bucket];
		if (seen > wanted)
			return (bucket + 0.5) * BUCKET_NS / 1000.0;
	}
	return 0;
}

static void usage_error(const char *option, const char *value, const char *want)
{
	fprintf(stderr, "udp-remotes: %s: '%s' is not %s\n", option, value, want);
	exit(2);
}

static uint64_t number(const char *option, const char *value, uint64_t min, uint64_t max,
		       const char *want)
{
	char *end;
	unsigned long long parsed;

	if (!*value || *value == '-')
		usage_error(option, value, want);
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
			puts("usage: udp-remotes [--remotes N] [--seconds S] [--mode latency|throughput] "
			     "[--port P] [--size B] [--server-cpu C] [--client-cpu C]");
			exit(0);
		}
		if (!value) {
			fprintf(stderr, "udp-remotes: %s needs a value\n", option);
			exit(2);
		}
		++i;
		if (!strcmp(option, "--remotes")) {
			settings.remotes = (unsigned)number(option, value, 1, MAX_REMOTES,
							    "a count from 1 to 65536");
		} else if (!strcmp(option, "--seconds")) {
			char *end;
			settings.seconds = strtod(value, &end);
			if (*end || !(settings.seconds > 0 && settings.seconds <= 86400))
				usage_error(option, value, "a duration in seconds up to 86400");
		} else if (!strcmp(option, "--mode")) {
			if (!strcmp(value, "latency"))
				settings.mode = LATENCY;
			else if (!strcmp(value, "throughput"))
				settings.mode = THROUGHPUT;
			else
				usage_error(option, value, "latency or throughput");
		} else if (!strcmp(option, "--port")) {
			settings.port = (uint16_t)number(option, value, 1, 65535, "a port");
		} else if (!strcmp(option, "--size")) {
			settings.size = number(option, value, 1, MAX_SIZE, "a payload size from 1 to 1472");
		} else if (!strcmp(option, "--server-cpu")) {
			settings.server_cpu = (int)number(option, value, 0, CPU_SETSIZE - 1, "a CPU");
		} else if (!strcmp(option, "--client-cpu")) {
			settings.client_cpu = (int)number(option, value, 0, CPU_SETSIZE - 1, "a CPU");
		} else {
			fprintf(stderr, "udp-remotes: unknown option '%s' (try --help)\n", option);
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in server_address;
	struct server_report served = {0, 0};
	uint64_t *histogram = NULL, *per_remote, sent = 0, replies = 0, fewest = UINT64_MAX, most = 0;
	int64_t started, deadline, ended;
	int report[2], stop[2], *sockets;
	char data[MAX_SIZE] = {0}, ready;
	pid_t server;

	parse(argc, argv);
	if (pipe(report) != 0 || pipe(stop) != 0)
		die("pipe");
	server = fork();
	if (server < 0)
		die("fork");
	if (server == 0) {
		close(report[0]);
		close(stop[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(run_server(report[1], stop[0]));
	}
	close(report[1]);
	close(stop[0]);
	if (read(report[0], &ready, 1) != 1) {
		fprintf(stderr, "udp-remotes: the server did not start\n");
		return 1;
	}

	pin(settings.client_cpu);
	sockets = open_clients();
	per_remote = calloc(settings.remotes, sizeof(uint64_t));
	if (settings.mode == LATENCY)
		histogram = calloc(BUCKETS + 1, sizeof(uint64_t));
	server_address = loopback(INADDR_LOOPBACK, settings.port);
	started = now_ns();
	deadline = started + (int64_t)(settings.seconds * 1e9);
	for (unsigned i = 0;; i = i + 1 == settings.remotes ? 0 : i + 1) {
		int64_t before = now_ns();
		if (before >= deadline)
			break;
		if (sendto(sockets[i], data, settings.size, 0, (struct sockaddr *)&server_address,
			   sizeof(server_address)) != (ssize_t)settings.size)
			die("sendto");
		++sent;
		++per_remote[i];
		if (settings.mode == LATENCY) {
			int64_t took;
			if (recv(sockets[i], data, sizeof(data), 0) != (ssize_t)settings.size) {
				fprintf(stderr, "udp-remotes: no reply within 1 s to client %u\n", i);
				return 1;
			}
			++replies;
			took = (now_ns() - before) / BUCKET_NS;
			++histogram[took < BUCKETS ? took : BUCKETS];
		}
	}
	ended = now_ns();
	for (unsigned i = 0; i < settings.remotes; ++i) {
		fewest = per_remote[i] < fewest ? per_remote[i] : fewest;
		most = per_remote[i] > most ? per_remote[i] : most;
	}

	/* Let the server take what is still queued; it stops once idle. */
	close(stop[1]);
	if (read(report[0], &served, sizeof(served)) != sizeof(served))
		fprintf(stderr, "udp-remotes: the server did not report\n");
	waitpid(server, NULL, 0);

	printf("{\"mode\":\"%s\",\"remotes\":%u,\"seconds\":%.3f,\"size\":%zu,\"sent\":%" PRIu64
	       ",\"server_received\":%" PRIu64 ",\"server_received_bytes\":%" PRIu64
	       ",\"replies\":%" PRIu64 ",\"p50_us\":%.3f,\"p90_us\":%.3f,\"rate_per_s\":%.1f"
	       ",\"per_remote_min\":%" PRIu64 ",\"per_remote_max\":%" PRIu64
	       ",\"port\":%u,\"first_address\":\"127.1.0.1\"}\n",
	       settings.mode == LATENCY ? "latency" : "throughput", settings.remotes,
	       (double)(ended - started) / 1e9, settings.size, sent, served.datagrams, served.bytes,
	       replies, histogram ? percentile(histogram, replies, 0.5) : 0.0,
	       histogram ? percentile(histogram, replies, 0.9) : 0.0,
	       (double)sent * 1e9 / (double)(ended - started), fewest, most, settings.port);
	return 0;
}
