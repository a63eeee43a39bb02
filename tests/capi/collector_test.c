/* SPDX-License-Identifier: MIT */
/* The C ABI against the real kernel, in push and pull mode: loopback TCP with exact byte counts. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tcptop/tcptop.h>

#include "exchange.h"
#include "harness.h"

#define REQUEST_BYTES 100000
#define REPLY_BYTES 5000
#define MAX_RECORDS 8

/* The features of this version, in TCPTOP_FEATURE_* order, as the C++ to_string names them. */
static const char *const feature_names[] = {"tcp_counters", "tcp_lifecycle", "udp_counters",
					    "udp_lifecycle", "socket_owners", "other_namespaces"};
#define FEATURE_COUNT (sizeof(feature_names) / sizeof(feature_names[0]))

/* The TCP records on one port from one snapshot, copied out of it. */
struct observation {
	uint64_t timestamp_ns;
	int on_main_thread;
	int stats_present;
	size_t feature_count; /* as the callback (push) or the puller saw it */
	size_t count;
	struct tcptop_connection records[MAX_RECORDS];
};

/* What the push callback hands to the test thread. */
#define MAILBOX_SLOTS 64
struct mailbox {
	pthread_mutex_t mutex;
	pthread_cond_t arrived;
	struct observation slots[MAILBOX_SLOTS];
	size_t head, length, lost;
};

struct watch {
	struct tcptop_collector *collector;
	int push;
	uint16_t port;
	pthread_t main_thread;
	struct mailbox mailbox;
};

static void observe(const struct watch *w, const struct tcptop_snapshot *s, struct observation *o)
{
	size_t i, n = tcptop_snapshot_connection_count(s);

	memset(o, 0, sizeof(*o));
	o->timestamp_ns = tcptop_snapshot_timestamp_ns(s);
	o->on_main_thread = pthread_equal(pthread_self(), w->main_thread);
	o->stats_present = tcptop_snapshot_stats(s) != NULL;
	o->feature_count = tcptop_collector_feature_count(w->collector);
	for (i = 0; i < n; ++i) {
		const struct tcptop_connection *c = tcptop_snapshot_connection(s, i);
		if (c->protocol != TCPTOP_PROTO_TCP || (c->local_port != w->port && c->remote_port != w->port))
			continue;
		if (o->count == MAX_RECORDS)
			break;
		o->records[o->count++] = *c;
	}
	CHECK(tcptop_snapshot_connection(s, n) == NULL);
}

static void on_snapshot(const struct tcptop_snapshot *s, void *user_data)
{
	struct watch *w = user_data;
	struct mailbox *m = &w->mailbox;

	pthread_mutex_lock(&m->mutex);
	if (m->length == MAILBOX_SLOTS) {
		++m->lost;
	} else {
		observe(w, s, &m->slots[(m->head + m->length) % MAILBOX_SLOTS]);
		++m->length;
		pthread_cond_signal(&m->arrived);
	}
	pthread_mutex_unlock(&m->mutex);
}

/* The next observation from either mode; 0, or -1 when none came in 10 s. */
static int next_observation(struct watch *w, struct observation *o)
{
	struct mailbox *m = &w->mailbox;
	struct timespec deadline;
	int err = 0;

	if (!w->push) {
		struct tcptop_snapshot *s = NULL;
		if (!CHECK_INT(tcptop_collector_next_snapshot(w->collector, 10000, &s), 0))
			return -1;
		observe(w, s, o);
		tcptop_snapshot_free(s);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&m->mutex);
	while (m->length == 0 && err == 0)
		err = pthread_cond_timedwait(&m->arrived, &m->mutex, &deadline);
	if (m->length) {
		*o = m->slots[m->head];
		m->head = (m->head + 1) % MAILBOX_SLOTS;
		--m->length;
		err = 0;
	}
	pthread_mutex_unlock(&m->mutex);
	return CHECK_INT(err, 0) ? 0 : -1;
}

/* The first observation made after wall-clock time `after_ns`. */
static int observation_after(struct watch *w, uint64_t after_ns, struct observation *o)
{
	do {
		if (next_observation(w, o))
			return -1;
	} while (o->timestamp_ns <= after_ns);
	return 0;
}

static const struct tcptop_connection *owned_by(const struct tcptop_connection *records, size_t count,
						pid_t pid)
{
	size_t i;

	for (i = 0; i < count; ++i)
		if (records[i].pid == (uint32_t)pid)
			return &records[i];
	return NULL;
}

static void check_address(const struct tcptop_connection *c, const uint8_t *addr)
{
	char text[TCPTOP_ADDRESS_STRLEN];

	CHECK_INT(tcptop_format_address(c->family, addr, text, sizeof(text)), 0);
	CHECK_STR(text, "127.0.0.1");
}

static void check_end(const struct tcptop_connection *c, const char *comm, unsigned role,
		      uint64_t sent, uint64_t received, int closed)
{
	CHECK_STR(c->comm, comm);
	CHECK_INT(c->protocol, TCPTOP_PROTO_TCP);
	CHECK_INT(c->family, TCPTOP_FAMILY_IPV4);
	CHECK_INT(c->role, role);
	CHECK_INT(c->bytes_sent, sent);
	CHECK_INT(c->bytes_received, received);
	CHECK(c->packets_sent > 0);
	CHECK(c->packets_received > 0);
	CHECK_INT(c->closed, closed);
	CHECK_STR(c->state, closed ? "CLOSE" : "ESTABLISHED");
	CHECK((c->close_time_ns != 0) == closed);
	CHECK(c->start_time_ns > 0);
	CHECK(c->netns != 0);
	CHECK(c->socket_cookie != 0);
	check_address(c, c->local_addr);
	check_address(c, c->remote_addr);
}

/* Both ends of the exchange, exact. */
static void check_exchange(const struct tcptop_connection *records, size_t count,
			   const struct exchange *e, int closed)
{
	const struct tcptop_connection *client = owned_by(records, count, e->client);
	const struct tcptop_connection *server = owned_by(records, count, e->server);

	size_t i;

	CHECK_INT(count, 2);
	if (!CHECK(client != NULL) || !CHECK(server != NULL)) {
		for (i = 0; i < count; ++i)
			fprintf(stderr, "    record: pid %u comm %s port %u -> %u\n", records[i].pid,
				records[i].comm, records[i].local_port, records[i].remote_port);
		fprintf(stderr, "    client pid %d, server pid %d\n", (int)e->client, (int)e->server);
		return;
	}
	check_end(client, "ct-client", TCPTOP_ROLE_CLIENT, REQUEST_BYTES, REPLY_BYTES, closed);
	check_end(server, "ct-server", TCPTOP_ROLE_SERVER, REPLY_BYTES, REQUEST_BYTES, closed);
	CHECK_INT(client->remote_port, e->port);
	CHECK_INT(server->local_port, e->port);
	CHECK_INT(server->remote_port, client->local_port);
}

/* Each end may close in its own interval: gather closed records until both came. */
static void check_closing(struct watch *w, struct exchange *e)
{
	struct tcptop_connection closed[MAX_RECORDS];
	struct observation o;
	uint64_t since = harness_wall_ns();
	size_t count = 0, i;

	CHECK_INT(exchange_finish(e), 0);
	while (count < 2) {
		if (observation_after(w, since, &o))
			return;
		since = o.timestamp_ns;
		for (i = 0; i < o.count && count < MAX_RECORDS; ++i) {
			CHECK_INT(o.records[i].closed, 1);
			closed[count++] = o.records[i];
		}
	}
	check_exchange(closed, count, e, 1);

	/* Reported closed once, then gone. */
	if (observation_after(w, since, &o) == 0)
		CHECK_INT(o.count, 0);
}

static void run(int push)
{
	struct tcptop_options opts;
	struct watch w;
	struct exchange e;
	struct observation o;

	printf("%s mode\n", push ? "push" : "pull");
	memset(&w, 0, sizeof(w));
	w.push = push;
	w.main_thread = pthread_self();
	pthread_mutex_init(&w.mailbox.mutex, NULL);
	pthread_cond_init(&w.mailbox.arrived, NULL);

	tcptop_options_init(&opts);
	opts.interval_ms = 200;
	if (!CHECK_INT(tcptop_collector_create(&opts, &w.collector), 0))
		return;
	if (push)
		CHECK_INT(tcptop_collector_start(w.collector, on_snapshot, &w), 0);
	else
		CHECK_INT(tcptop_collector_start_polling(w.collector), 0);

	if (CHECK_INT(exchange_start(&e, REQUEST_BYTES, REPLY_BYTES), 0)) {
		pthread_mutex_lock(&w.mailbox.mutex);
		w.port = e.port;
		pthread_mutex_unlock(&w.mailbox.mutex);
		if (observation_after(&w, harness_wall_ns(), &o) == 0) {
			CHECK(o.stats_present);
			CHECK_INT(o.feature_count, FEATURE_COUNT);
			/* Push callbacks run on a thread of the library. */
			if (push)
				CHECK_INT(o.on_main_thread, 0);
			check_exchange(o.records, o.count, &e, 0);
		}
		check_closing(&w, &e);
	}

	CHECK_INT(tcptop_collector_stop(w.collector), 0);
	CHECK_INT(w.mailbox.lost, 0);
	tcptop_collector_destroy(w.collector);
	pthread_cond_destroy(&w.mailbox.arrived);
	pthread_mutex_destroy(&w.mailbox.mutex);
}

/*
 * A consumer that does not pull for 25 intervals: no more snapshots waited
 * than the collector's own hand-off holds (two: pull mode reads it
 * directly), and the intervals beyond them were folded into the next
 * snapshot and counted, not queued.
 */
static void check_slow_consumer(void)
{
	const size_t most_waiting = 2;
	struct tcptop_options opts;
	struct tcptop_collector *c = NULL;
	struct timespec pause = {0, 500000000L};
	uint64_t coalesced = 0;
	size_t taken = 0;

	printf("slow pull consumer\n");
	tcptop_options_init(&opts);
	opts.interval_ms = 20;
	if (!CHECK_INT(tcptop_collector_create(&opts, &c), 0))
		return;
	CHECK_INT(tcptop_collector_start_polling(c), 0);
	nanosleep(&pause, NULL);
	while (coalesced == 0 && taken <= most_waiting) {
		struct tcptop_snapshot *s = NULL;
		if (!CHECK_INT(tcptop_collector_next_snapshot(c, 2000, &s), 0))
			break;
		coalesced = tcptop_snapshot_stats(s)->snapshots_coalesced;
		tcptop_snapshot_free(s);
		++taken;
	}
	printf("  snapshot %zu was the first with intervals folded in (%llu)\n", taken,
	       (unsigned long long)coalesced);
	CHECK(taken <= most_waiting + 1);
	CHECK(coalesced >= 10);
	tcptop_collector_destroy(c);
}

/* The report of a started collector, whole; the entry of `wanted`, or NULL. */
static const struct tcptop_feature *check_report(const struct tcptop_collector *c, uint32_t wanted)
{
	const struct tcptop_feature *found = NULL;
	size_t i;

	if (!CHECK_INT(tcptop_collector_feature_count(c), FEATURE_COUNT))
		return NULL;
	for (i = 0; i < FEATURE_COUNT; ++i) {
		const struct tcptop_feature *f = tcptop_collector_feature(c, i);
		if (!CHECK(f != NULL))
			continue;
		CHECK_INT(f->feature, i);
		CHECK_STR(f->name, feature_names[i]);
		if (!CHECK(f->hooks != NULL) || !CHECK(f->note != NULL))
			continue;
		CHECK_INT(f->available, f->hooks[0] != '\0');
		if (!f->available)
			CHECK(f->note[0] != '\0');
		printf("  %-17s %s %s%s%s\n", f->name, f->available ? "yes" : "no ", f->hooks,
		       f->note[0] ? " / " : "", f->note);
		if (f->feature == wanted)
			found = f;
	}
	CHECK(tcptop_collector_feature(c, FEATURE_COUNT) == NULL);
	return found;
}

static void ignore_snapshot(const struct tcptop_snapshot *s, void *user_data)
{
	(void)s;
	(void)user_data;
}

static void check_features(void)
{
	struct tcptop_options opts;
	struct tcptop_collector *c = NULL;
	const struct tcptop_feature *f;
	uint32_t udp[] = {TCPTOP_FEATURE_UDP_COUNTERS, TCPTOP_FEATURE_UDP_LIFECYCLE};
	size_t i;

	printf("features, everything asked for\n");
	tcptop_options_init(&opts);
	if (!CHECK_INT(tcptop_collector_create(&opts, &c), 0))
		return;
	CHECK_INT(tcptop_collector_feature_count(c), 0);
	CHECK_INT(tcptop_collector_start_polling(c), 0);
	f = check_report(c, TCPTOP_FEATURE_TCP_COUNTERS);
	if (CHECK(f != NULL)) {
		CHECK_INT(f->available, 1);
		CHECK_STR(f->hooks, "iter/tcp");
	}
	/* Stop leaves the report: the same entry, still readable. */
	CHECK_INT(tcptop_collector_stop(c), 0);
	CHECK(tcptop_collector_feature(c, TCPTOP_FEATURE_TCP_COUNTERS) == f);
	if (f)
		CHECK_STR(f->hooks, "iter/tcp");
	tcptop_collector_destroy(c);

	printf("features, TCP only\n");
	opts.protocols = TCPTOP_PROTO_TCP;
	if (!CHECK_INT(tcptop_collector_create(&opts, &c), 0))
		return;
	CHECK_INT(tcptop_collector_start(c, ignore_snapshot, NULL), 0);
	f = check_report(c, TCPTOP_FEATURE_TCP_COUNTERS);
	if (CHECK(f != NULL))
		CHECK_INT(f->available, 1);
	for (i = 0; i < 2; ++i) {
		f = tcptop_collector_feature(c, udp[i]);
		if (!CHECK(f != NULL))
			continue;
		CHECK_INT(f->available, 0);
		CHECK_STR(f->hooks, "");
		CHECK(strstr(f->note, "not asked for") != NULL);
	}
	tcptop_collector_destroy(c);

	/* The kernel refuses the owner scan (see TCPTOP_TEST_BREAK_PROGRAMS in
	 * the README): the collector runs without it, and the report says why. */
	printf("features, the owner scan refused\n");
	setenv("TCPTOP_TEST_BREAK_PROGRAMS", "socket_owner_scan", 1);
	if (CHECK_INT(tcptop_collector_create(&opts, &c), 0)) {
		CHECK_INT(tcptop_collector_start(c, ignore_snapshot, NULL), 0);
		f = check_report(c, TCPTOP_FEATURE_SOCKET_OWNERS);
		if (CHECK(f != NULL)) {
			CHECK_INT(f->available, 0);
			CHECK(strstr(f->note, "program socket_owner_scan (iter/task_file) refused by "
					      "the kernel: ") != NULL);
		}
		f = tcptop_collector_feature(c, TCPTOP_FEATURE_TCP_COUNTERS);
		if (CHECK(f != NULL))
			CHECK_INT(f->available, 1);
		tcptop_collector_destroy(c);
	}
	unsetenv("TCPTOP_TEST_BREAK_PROGRAMS");
}

int main(void)
{
	if (!harness_privileged())
		return harness_exit(1);
	run(0);
	run(1);
	check_slow_consumer();
	check_features();
	return harness_exit(0);
}
