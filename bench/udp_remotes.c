// SPDX-License-Identifier: MIT
// udp-remotes: one UDP socket answering many distinct client endpoints, as a DNS server sees.
//
// Usage: udp-remotes [--remotes N] [--seconds S] [--mode latency|throughput]
//                    [--port P] [--size B] [--server-cpu C] [--client-cpu C]
//
//   --remotes N     client sockets, each on its own address (1..65536, default 10000)
//   --seconds S     how long to run (default 3)
//   --mode M        latency (each datagram echoed and waited for; the default)
//                   or throughput (send as fast as the client can, no echo)
//   --port P        the server's port on 127.0.0.1 (default 5353)
//   --size B        payload bytes per datagram (1..1472, default 64)
//   --server-cpu C, --client-cpu C
//                   pin the server or the client process to CPU C
//
// Prints one JSON line on stdout:
//   {"mode":M,"remotes":N,"seconds":S,"size":B,"sent":N,"server_received":N,
//    "server_received_bytes":N,"replies":N,"p50_us":X,"p90_us":X,"rate_per_s":X,
//    "per_remote_min":N,"per_remote_max":N,"port":P,"first_address":A,"last_address":A}
// seconds is the measured run time, rate_per_s the datagrams the client sent
// per second (round trips per second in latency mode; the sender's rate, as
// iperf3 reports it, in throughput mode), p50_us and p90_us the round trips'
// nearest-rank percentiles to 10 ns (0 in throughput mode). Exit status: 0,
// 1 if a system call failed or a reply did not come within 1 s, 2 for a bad
// option.
//
// The server is a child process (so that a monitor sees two processes) with
// one socket bound to 127.0.0.1:P. Client socket i is bound to the i-th
// address of 127.1.0.1, 127.1.0.2, ..., 127.1.0.254, 127.1.1.1, ... (never
// .0 or .255 last), port 0, and the client goes round them in order, so
// each remote sends as many datagrams as any other, give or take one. In
// latency mode the first 8 bytes of each datagram carry its sequence number
// and the echo must bring the same number back.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "load_generator.h"

#define MAX_REMOTES 65536
#define MAX_SIZE 1472
/* Descriptors besides the client sockets: stdio and the two pipe ends, with room. */
#define SPARE_FILES 16
/* How long a client waits for its echo before the run fails. */
#define REPLY_TIMEOUT_S 1
/* The server checks for the client's stop after this long without a datagram. */
#define SERVER_IDLE_US 100000
/* Round trips: 10 ns buckets up to 1 ms, then 10 us buckets up to the timeout. */
#define FINE_NS 10
#define FINE_BUCKETS 100000
#define COARSE_NS 10000
#define COARSE_BUCKETS 100000
#define FINE_LIMIT_NS ((int64_t)FINE_NS * FINE_BUCKETS)

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

static void die(const char *what)
{
	fprintf(stderr, "udp-remotes: %s: %s\n", what, strerror(errno));
	stop_server_now();
	exit(1);
}

static struct sockaddr_in ipv4(uint32_t host_order_address, uint16_t port)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
	address.sin_addr.s_addr = htonl(host_order_address);
	return address;
}

/* The i-th client address: 127.1.0.1 ... 127.1.0.254, 127.1.1.1, ...; the
 * last of 65536 is 127.2.2.4. */
static uint32_t client_address(unsigned i)
{
	unsigned last = 1 + i % 254, rest = i / 254;
	return (127u << 24) | ((1 + rest / 256) << 16) | ((rest % 256) << 8) | last;
}

static const char *dotted(uint32_t host_order_address, char text[INET_ADDRSTRLEN])
{
	struct in_addr address = {htonl(host_order_address)};
	return inet_ntop(AF_INET, &address, text, INET_ADDRSTRLEN);
}

/* ---- server -------------------------------------------------------------- */

/* Serves until \p stop reaches end of file, then writes its counts on
 * \p report. The stop is looked at only after SERVER_IDLE_US without a
 * datagram, so that the path of a datagram stays one recvfrom (and one
 * sendto), and all the client sent is in the count. */
static int run_server(int report, int stop)
{
	struct sockaddr_in address = ipv4(INADDR_LOOPBACK, settings.port);
	struct timeval idle = {0, SERVER_IDLE_US};
	struct server_report counts = {0, 0};
	bool echo_failed = false;
	int fd, room = 8 << 20;
	char buffer[MAX_SIZE];

	pin_to_cpu(settings.server_cpu, "server");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("server: socket");
	/* Room for a throughput run's backlog; FORCE needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof(room));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) != 0)
		die("server: SO_RCVTIMEO");
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		fprintf(stderr, "udp-remotes: server: cannot bind 127.0.0.1:%u: %s (another --port?)\n",
			settings.port, strerror(errno));
		return 1;
	}
	if (write(report, "R", 1) != 1)
		return 1;
	for (;;) {
		struct sockaddr_in from;
		socklen_t length = sizeof(from);
		ssize_t got = recvfrom(fd, buffer, sizeof(buffer), 0, (struct sockaddr *)&from, &length);

		if (got < 0) {
			struct pollfd stopped = {.fd = stop, .events = POLLIN};
			if (errno != EAGAIN && errno != EINTR)
				die("server: recvfrom");
			/* The client closes its end when it is done: POLLHUP. */
			if (poll(&stopped, 1, 0) > 0)
				break;
			continue;
		}
		++counts.datagrams;
		counts.bytes += (uint64_t)got;
		if (settings.mode == LATENCY &&
		    sendto(fd, buffer, (size_t)got, 0, (struct sockaddr *)&from, length) != got &&
		    !echo_failed) {
			/* The client will time out on this one and say which. */
			fprintf(stderr, "udp-remotes: server: sendto: %s\n", strerror(errno));
			echo_failed = true;
		}
	}
	return write(report, &counts, sizeof(counts)) == sizeof(counts) ? 0 : 1;
}

/* ---- client -------------------------------------------------------------- */

static void raise_file_limit(rlim_t wanted)
{
	struct rlimit files;
	rlim_t hard;

	if (getrlimit(RLIMIT_NOFILE, &files) != 0)
		die("getrlimit RLIMIT_NOFILE");
	if (files.rlim_cur >= wanted)
		return;
	hard = files.rlim_max;
	files.rlim_cur = wanted;
	/* Raising the hard limit too takes CAP_SYS_RESOURCE (and stops at fs.nr_open). */
	if (hard != RLIM_INFINITY && hard < wanted)
		files.rlim_max = wanted;
	if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
		if (errno == EPERM && hard != RLIM_INFINITY && hard < wanted)
			fprintf(stderr, "udp-remotes: %u remotes need %llu open files; the hard limit "
				"is %llu and raising it needs CAP_SYS_RESOURCE: use --remotes %llu "
				"or less, or raise the limit first (ulimit -Hn)\n", settings.remotes,
				(unsigned long long)wanted, (unsigned long long)hard,
				hard > SPARE_FILES ? (unsigned long long)(hard - SPARE_FILES) : 0ULL);
		else
			fprintf(stderr, "udp-remotes: cannot raise the open-file limit to %llu: %s\n",
				(unsigned long long)wanted, strerror(errno));
		stop_server_now();
		exit(1);
	}
}

static int *open_clients(void)
{
	struct timeval patience = {REPLY_TIMEOUT_S, 0};
	int *sockets = calloc(settings.remotes, sizeof(int));
	char text[INET_ADDRSTRLEN], what[64];

	if (!sockets)
		die("calloc");
	raise_file_limit((rlim_t)settings.remotes + SPARE_FILES);
	for (unsigned i = 0; i < settings.remotes; ++i) {
		struct sockaddr_in address = ipv4(client_address(i), 0);

		sockets[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sockets[i] < 0)
			die("socket");
		if (bind(sockets[i], (struct sockaddr *)&address, sizeof(address)) != 0) {
			snprintf(what, sizeof(what), "bind to %s",
				 dotted(client_address(i), text));
			die(what);
		}
		if (setsockopt(sockets[i], SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience)) != 0)
			die("SO_RCVTIMEO");
	}
	return sockets;
}

static void record(uint64_t *histogram, int64_t round_trip_ns)
{
	size_t bucket;

	if (round_trip_ns < FINE_LIMIT_NS)
		bucket = (size_t)(round_trip_ns / FINE_NS);
	else if ((round_trip_ns - FINE_LIMIT_NS) / COARSE_NS < COARSE_BUCKETS)
		bucket = FINE_BUCKETS + (size_t)((round_trip_ns - FINE_LIMIT_NS) / COARSE_NS);
	else
		bucket = FINE_BUCKETS + COARSE_BUCKETS;
	++histogram[bucket];
}

/* The nearest-rank percentile (the ceil(fraction * total)-th smallest round
 * trip), as the middle of its bucket, in microseconds. */
static double percentile(const uint64_t *histogram, uint64_t total, double fraction)
{
	uint64_t rank = (uint64_t)(fraction * (double)total), seen = 0;

	if (total == 0)
		return 0;
	if ((double)rank < fraction * (double)total)
		++rank;
	if (rank == 0)
		rank = 1;
	for (size_t bucket = 0; bucket <= FINE_BUCKETS + COARSE_BUCKETS; ++bucket) {
		seen += histogram[bucket];
		if (seen < rank)
			continue;
		if (bucket < FINE_BUCKETS)
			return ((double)bucket + 0.5) * FINE_NS / 1000.0;
		return ((double)FINE_LIMIT_NS + ((double)(bucket - FINE_BUCKETS) + 0.5) * COARSE_NS) /
		       1000.0;
	}
	return 0;
}

/* Waits for the echo of datagram \p sequence on client \p i; exits if it
 * does not come. */
static void await_echo(int fd, unsigned i, uint64_t sequence, char *buffer)
{
	char text[INET_ADDRSTRLEN];
	size_t tag = settings.size < sizeof(sequence) ? settings.size : sizeof(sequence);
	uint64_t echoed = 0;
	ssize_t got;

	do
		got = recv(fd, buffer, MAX_SIZE, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		fprintf(stderr, "udp-remotes: no reply within %d s to datagram %" PRIu64
			" from client %u (%s)\n", REPLY_TIMEOUT_S, sequence, i,
			dotted(client_address(i), text));
		stop_server_now();
		exit(1);
	}
	if (got < 0)
		die("recv");
	memcpy(&echoed, buffer, tag);
	if ((size_t)got != settings.size || memcmp(&echoed, &sequence, tag) != 0) {
		fprintf(stderr, "udp-remotes: client %u (%s) got a %zd-byte reply that is not the "
			"echo of its %zu-byte datagram %" PRIu64 "\n", i,
			dotted(client_address(i), text), got, settings.size, sequence);
		stop_server_now();
		exit(1);
	}
}

/* ---- options and main ---------------------------------------------------- */

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; ++i) {
		const char *option = argv[i], *value;

		if (!strcmp(option, "--help") || !strcmp(option, "-h")) {
			puts("usage: udp-remotes [--remotes N] [--seconds S] [--mode latency|throughput] "
			     "[--port P] [--size B] [--server-cpu C] [--client-cpu C]");
			exit(0);
		}
		if (strncmp(option, "--", 2) != 0) {
			fprintf(stderr, "udp-remotes: unexpected argument '%s' (try --help)\n", option);
			exit(2);
		}
		if (i + 1 == argc) {
			fprintf(stderr, "udp-remotes: %s needs a value\n", option);
			exit(2);
		}
		value = argv[++i];
		if (!strcmp(option, "--remotes")) {
			settings.remotes = (unsigned)option_number(option, value, 1, MAX_REMOTES,
							    "a count from 1 to 65536");
		} else if (!strcmp(option, "--seconds")) {
			settings.seconds = option_seconds(option, value);
		} else if (!strcmp(option, "--mode")) {
			if (!strcmp(value, "latency"))
				settings.mode = LATENCY;
			else if (!strcmp(value, "throughput"))
				settings.mode = THROUGHPUT;
			else
				option_error(option, value, "latency or throughput");
		} else if (!strcmp(option, "--port")) {
			settings.port = (uint16_t)option_number(option, value, 1, 65535, "a port from 1 to 65535");
		} else if (!strcmp(option, "--size")) {
			settings.size = option_number(option, value, 1, MAX_SIZE, "a payload size from 1 to 1472");
		} else if (!strcmp(option, "--server-cpu")) {
			settings.server_cpu = (int)option_number(option, value, 0, CPU_SETSIZE - 1, "a CPU number");
		} else if (!strcmp(option, "--client-cpu")) {
			settings.client_cpu = (int)option_number(option, value, 0, CPU_SETSIZE - 1, "a CPU number");
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
	size_t tag;
	int64_t started, deadline, ended;
	int *sockets;
	char data[MAX_SIZE] = {0}, reply[MAX_SIZE];
	char first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN];

	load_generator_name = "udp-remotes";
	parse(argc, argv);
	tag = settings.size < sizeof(sent) ? settings.size : sizeof(sent);
	start_server_child(run_server, NULL);

	pin_to_cpu(settings.client_cpu, "client");
	sockets = open_clients();
	per_remote = calloc(settings.remotes, sizeof(uint64_t));
	if (settings.mode == LATENCY)
		histogram = calloc(FINE_BUCKETS + COARSE_BUCKETS + 1, sizeof(uint64_t));
	if (!per_remote || (settings.mode == LATENCY && !histogram))
		die("calloc");
	server_address = ipv4(INADDR_LOOPBACK, settings.port);
	started = now_ns();
	deadline = started + (int64_t)(settings.seconds * 1e9);
	for (unsigned i = 0;; i = i + 1 == settings.remotes ? 0 : i + 1) {
		int64_t before = now_ns();
		ssize_t done;

		if (before >= deadline)
			break;
		memcpy(data, &sent, tag);
		do
			done = sendto(sockets[i], data, settings.size, 0,
				      (struct sockaddr *)&server_address, sizeof(server_address));
		while (done < 0 && errno == EINTR);
		if (done != (ssize_t)settings.size)
			die("sendto");
		if (settings.mode == LATENCY) {
			await_echo(sockets[i], i, sent, reply);
			record(histogram, now_ns() - before);
			++replies;
		}
		++sent;
		++per_remote[i];
	}
	ended = now_ns();
	for (unsigned i = 0; i < settings.remotes; ++i) {
		fewest = per_remote[i] < fewest ? per_remote[i] : fewest;
		most = per_remote[i] > most ? per_remote[i] : most;
	}

	/* The server takes what is still queued, then sees the pipe closed. */
	finish_server_child(&served, sizeof(served));

	printf("{\"mode\":\"%s\",\"remotes\":%u,\"seconds\":%.3f,\"size\":%zu,\"sent\":%" PRIu64
	       ",\"server_received\":%" PRIu64 ",\"server_received_bytes\":%" PRIu64
	       ",\"replies\":%" PRIu64 ",\"p50_us\":%.3f,\"p90_us\":%.3f,\"rate_per_s\":%.1f"
	       ",\"per_remote_min\":%" PRIu64 ",\"per_remote_max\":%" PRIu64
	       ",\"port\":%u,\"first_address\":\"%s\",\"last_address\":\"%s\"}\n",
	       settings.mode == LATENCY ? "latency" : "throughput", settings.remotes,
	       (double)(ended - started) / 1e9, settings.size, sent, served.datagrams, served.bytes,
	       replies, percentile(histogram, replies, 0.5), percentile(histogram, replies, 0.9),
	       (double)sent * 1e9 / (double)(ended - started), fewest, most, settings.port,
	       dotted(client_address(0), first), dotted(client_address(settings.remotes - 1), last));
	return 0;
}
