/* SPDX-License-Identifier: MIT */
/* Every C entry point fed bad arguments and called in the wrong state; run under ASan, LSan and UBSan in the sanitized build. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tcptop/tcptop.h>

#include "harness.h"

/* The last failure's message names what was wrong. */
#define CHECK_MESSAGE(word) check_message((word), __FILE__, __LINE__)

static void check_message(const char *word, const char *file, int line)
{
	const char *message = tcptop_last_error_message();

	if (!harness_check(message && strstr(message, word), "last error names the cause", file, line))
		fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", message ? message : "(null)", word);
}

/* A one-shot event between the callback thread and the test. */
struct flag {
	pthread_mutex_t mutex;
	pthread_cond_t raised_cond;
	int raised;
};

static void flag_init(struct flag *f)
{
	pthread_mutex_init(&f->mutex, NULL);
	pthread_cond_init(&f->raised_cond, NULL);
	f->raised = 0;
}

static void flag_raise(struct flag *f)
{
	pthread_mutex_lock(&f->mutex);
	f->raised = 1;
	pthread_cond_broadcast(&f->raised_cond);
	pthread_mutex_unlock(&f->mutex);
}

/* 1 once raised, 0 after 10 s without. */
static int flag_wait(struct flag *f)
{
	struct timespec deadline;
	int raised;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&f->mutex);
	while (!f->raised && pthread_cond_timedwait(&f->raised_cond, &f->mutex, &deadline) == 0)
		;
	raised = f->raised;
	pthread_mutex_unlock(&f->mutex);
	return raised;
}

static int flag_is_raised(struct flag *f)
{
	int raised;

	pthread_mutex_lock(&f->mutex);
	raised = f->raised;
	pthread_mutex_unlock(&f->mutex);
	return raised;
}

static void flag_destroy(struct flag *f)
{
	pthread_cond_destroy(&f->raised_cond);
	pthread_mutex_destroy(&f->mutex);
}

static void sleep_ms(long ms)
{
	struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&pause, NULL);
}

static void ignore_snapshot(const struct tcptop_snapshot *s, void *user_data)
{
	(void)s;
	(void)user_data;
}

static struct tcptop_collector *make_collector(uint32_t interval_ms)
{
	struct tcptop_options opts;
	struct tcptop_collector *c = NULL;

	tcptop_options_init(&opts);
	opts.interval_ms = interval_ms;
	CHECK_INT(tcptop_collector_create(&opts, &c), 0);
	return c;
}

static void check_texts(void)
{
	const int codes[] = {-EINVAL, -EPERM, -EOPNOTSUPP, -ENOEXEC, -EALREADY, -EBUSY,
			     -ETIMEDOUT, -ENOSPC, -ENOMEM, -EIO};
	size_t i;

	CHECK_STR(tcptop_version(), TCPTOP_VERSION_STRING);
	CHECK_INT(TCPTOP_VERSION, TCPTOP_MAKE_VERSION(TCPTOP_VERSION_MAJOR, TCPTOP_VERSION_MINOR,
						      TCPTOP_VERSION_PATCH));
	CHECK(tcptop_last_error_message() != NULL);
	CHECK_STR(tcptop_strerror(0), "success");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); ++i) {
		CHECK(strcmp(tcptop_strerror(codes[i]), "unknown error") != 0);
		CHECK_STR(tcptop_strerror(-codes[i]), tcptop_strerror(codes[i]));
	}
	CHECK_STR(tcptop_strerror(-12345), "unknown error");
	CHECK_STR(tcptop_strerror(INT_MIN), "unknown error");
	CHECK_STR(tcptop_strerror(INT_MAX), "unknown error");
}

static void check_create_rejects(const struct tcptop_options *opts, const char *field)
{
	struct tcptop_collector *c = (struct tcptop_collector *)&c; /* any non-NULL value */

	CHECK_INT(tcptop_collector_create(opts, &c), -EINVAL);
	CHECK_MESSAGE(field);
	CHECK(c == NULL);
}

static void check_create_accepts(const struct tcptop_options *opts)
{
	struct tcptop_collector *c = NULL;

	CHECK_INT(tcptop_collector_create(opts, &c), 0);
	CHECK(c != NULL);
	tcptop_collector_destroy(c);
}

/* One uint32_t option set to one value over the defaults: accepted, or
 * refused with a message naming the option. */
struct option_case {
	size_t offset;
	const char *name;
	uint32_t value;
	int valid;
};

/* The range checks are the C++ API's, which calls interval_ms "interval". */
#define OPTION_CASE(field, name, value, valid) {offsetof(struct tcptop_options, field), name, value, valid}

static const struct option_case option_cases[] = {
	OPTION_CASE(interval_ms, "interval", 0, 0),
	OPTION_CASE(interval_ms, "interval", 9, 0),
	OPTION_CASE(interval_ms, "interval", 3600001, 0),
	OPTION_CASE(interval_ms, "interval", 10, 1),
	OPTION_CASE(interval_ms, "interval", 3600000, 1),
	OPTION_CASE(protocols, "protocols", 0, 0),
	OPTION_CASE(protocols, "protocols", TCPTOP_PROTO_TCP | 0x4u, 0),
	OPTION_CASE(protocols, "protocols", 0x80000000u, 0),
	OPTION_CASE(protocols, "protocols", TCPTOP_PROTO_UDP, 1),
	OPTION_CASE(families, "families", 0, 0),
	OPTION_CASE(families, "families", TCPTOP_FAMILY_IPV6 | 0x100u, 0),
	OPTION_CASE(families, "families", TCPTOP_FAMILY_IPV4, 1),
	OPTION_CASE(max_connections, "max_connections", 0, 0),
	OPTION_CASE(max_connections, "max_connections", 4194305, 0),
	OPTION_CASE(max_connections, "max_connections", 1, 1),
	OPTION_CASE(max_connections, "max_connections", 4194304, 1),
	OPTION_CASE(hook_kinds, "hook_kinds", 0x4u, 0),
	OPTION_CASE(hook_kinds, "hook_kinds", TCPTOP_HOOK_FENTRY, 1),
	OPTION_CASE(hook_kinds, "hook_kinds", 0, 1),
	OPTION_CASE(max_udp_flows, "max_udp_flows", 4194305, 0),
	OPTION_CASE(max_udp_flows, "max_udp_flows", 0xffffffffu, 0),
	OPTION_CASE(max_udp_flows, "max_udp_flows", 4194304, 1),
	OPTION_CASE(max_udp_flows, "max_udp_flows", 1, 1),
	OPTION_CASE(event_buffer_bytes, "event_buffer_bytes", 4095, 0),
	OPTION_CASE(event_buffer_bytes, "event_buffer_bytes", 4096 * 3, 0),
	OPTION_CASE(event_buffer_bytes, "event_buffer_bytes", 0x80000000u, 0),
	OPTION_CASE(event_buffer_bytes, "event_buffer_bytes", 4096, 1),
	OPTION_CASE(event_buffer_bytes, "event_buffer_bytes", 1u << 30, 1),
	OPTION_CASE(collector, "collector", 2, 0),
	OPTION_CASE(collector, "collector", 0xffffffffu, 0),
	OPTION_CASE(collector, "collector", TCPTOP_COLLECTOR_SOCK_DIAG, 1),
};

static void check_options(void)
{
	/* Room for a caller built against a larger, future struct. */
	union {
		struct tcptop_options opts;
		unsigned char bytes[sizeof(struct tcptop_options) + 16];
	} newer;
	struct tcptop_options opts;
	struct tcptop_collector *c = NULL;
	uint32_t collector;
	size_t i;

	tcptop_options_init(NULL);
	tcptop_options_init(&opts);
	CHECK_INT(opts.size, sizeof(opts));
	CHECK_INT(opts.interval_ms, 1000);
	CHECK_INT(opts.protocols, TCPTOP_PROTO_TCP | TCPTOP_PROTO_UDP);
	CHECK_INT(opts.families, TCPTOP_FAMILY_IPV4 | TCPTOP_FAMILY_IPV6);
	CHECK_INT(opts.max_connections, 65536);
	CHECK_INT(opts.pid, 0);
	CHECK_INT(opts.port, 0);
	CHECK_INT(opts.hook_kinds, TCPTOP_HOOK_CGROUP | TCPTOP_HOOK_FENTRY);
	CHECK_INT(opts.max_udp_flows, 0);
	CHECK_INT(opts.event_buffer_bytes, 0);
	CHECK_INT(opts.collector, TCPTOP_COLLECTOR_EBPF);

	CHECK_INT(tcptop_collector_create(NULL, &c), -EINVAL);
	CHECK_MESSAGE("opts");
	CHECK_INT(tcptop_collector_create(&opts, NULL), -EINVAL);
	CHECK_MESSAGE("out");

	opts.size = 0;
	check_create_rejects(&opts, "size");
	/* The first struct had 28 bytes: less is no version of it; 28 is, and
	 * leaves the fields added since (hook_kinds, max_udp_flows,
	 * event_buffer_bytes, collector) at their defaults. */
	opts.size = 27;
	check_create_rejects(&opts, "size");
	opts.size = 28;
	opts.hook_kinds = 0x80u; /* beyond the caller's struct: never read */
	opts.max_udp_flows = 0xffffffffu;
	opts.event_buffer_bytes = 3;
	opts.collector = 7;
	check_create_accepts(&opts);
	tcptop_options_init(&opts);
	opts.size = 1u << 20;
	check_create_rejects(&opts, "size");

	memset(&newer, 0, sizeof(newer));
	tcptop_options_init(&newer.opts);
	newer.opts.size = sizeof(newer);
	check_create_accepts(&newer.opts);
	newer.bytes[sizeof(newer) - 1] = 1;
	check_create_rejects(&newer.opts, "newer");

	/* Every field is checked whichever collector is chosen: one struct. */
	for (collector = TCPTOP_COLLECTOR_EBPF; collector <= TCPTOP_COLLECTOR_SOCK_DIAG; ++collector) {
		for (i = 0; i < sizeof(option_cases) / sizeof(option_cases[0]); ++i) {
			const struct option_case *test = &option_cases[i];
			tcptop_options_init(&opts);
			opts.collector = collector;
			memcpy((char *)&opts + test->offset, &test->value, sizeof(test->value));
			if (test->valid)
				check_create_accepts(&opts);
			else
				check_create_rejects(&opts, test->name);
		}
	}
}

static void check_null_arguments(void)
{
	struct tcptop_collector *c = make_collector(1000);
	struct tcptop_snapshot *s = (struct tcptop_snapshot *)&s; /* any non-NULL value */
	uint8_t addr[16] = {127, 0, 0, 1};
	char text[TCPTOP_ADDRESS_STRLEN];

	CHECK_INT(tcptop_collector_start(NULL, ignore_snapshot, NULL), -EINVAL);
	CHECK_MESSAGE("c");
	CHECK_INT(tcptop_collector_start(c, NULL, NULL), -EINVAL);
	CHECK_MESSAGE("fn");
	CHECK_INT(tcptop_collector_start_polling(NULL), -EINVAL);
	CHECK_INT(tcptop_collector_next_snapshot(NULL, 0, &s), -EINVAL);
	CHECK(s == NULL);
	CHECK_INT(tcptop_collector_next_snapshot(c, 0, NULL), -EINVAL);
	CHECK_MESSAGE("out");
	CHECK_INT(tcptop_collector_stop(NULL), -EINVAL);
	tcptop_collector_destroy(NULL);
	tcptop_snapshot_free(NULL);

	CHECK_INT(tcptop_snapshot_connection_count(NULL), 0);
	CHECK(tcptop_snapshot_connection(NULL, 0) == NULL);
	CHECK_INT(tcptop_snapshot_timestamp_ns(NULL), 0);
	CHECK_INT(tcptop_snapshot_interval_ns(NULL), 0);
	CHECK(tcptop_snapshot_stats(NULL) == NULL);
	CHECK_INT(tcptop_collector_feature_count(NULL), 0);
	CHECK(tcptop_collector_feature(NULL, 0) == NULL);

	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4, NULL, text, sizeof(text)), -EINVAL);
	CHECK_MESSAGE("addr");
	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4, addr, NULL, sizeof(text)), -EINVAL);
	CHECK_MESSAGE("buf");
	tcptop_collector_destroy(c);
}

/* A destroyed collector's handle is refused by every entry point, without
 * being touched (the sanitized build would see a use after free). */
static void check_stale_handle(void)
{
	struct tcptop_collector *stale = make_collector(1000);
	struct tcptop_snapshot *s = (struct tcptop_snapshot *)&s;

	tcptop_collector_destroy(stale);
	CHECK_INT(tcptop_collector_start(stale, ignore_snapshot, NULL), -EINVAL);
	CHECK_MESSAGE("not a live collector");
	CHECK_INT(tcptop_collector_start_polling(stale), -EINVAL);
	CHECK_MESSAGE("not a live collector");
	CHECK_INT(tcptop_collector_next_snapshot(stale, 0, &s), -EINVAL);
	CHECK(s == NULL);
	CHECK_MESSAGE("not a live collector");
	CHECK_INT(tcptop_collector_stop(stale), -EINVAL);
	CHECK_MESSAGE("not a live collector");
	CHECK_INT(tcptop_collector_feature_count(stale), 0);
	CHECK(tcptop_collector_feature(stale, 0) == NULL);
	tcptop_collector_destroy(stale);
	CHECK_MESSAGE("not a live collector");
	/* Nor is a pointer the library never made. */
	CHECK_INT(tcptop_collector_stop((struct tcptop_collector *)&s), -EINVAL);
	CHECK_MESSAGE("not a live collector");
}

static void check_format_address(void)
{
	uint8_t v4[16] = {127, 0, 0, 1};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	char text[TCPTOP_ADDRESS_STRLEN];
	char small[10]; /* "127.0.0.1" and its NUL, exactly */

	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4, v4, text, sizeof(text)), 0);
	CHECK_STR(text, "127.0.0.1");
	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV6, v6, text, sizeof(text)), 0);
	CHECK_STR(text, "2001:db8::1");
	CHECK_INT(tcptop_format_address(0, v4, text, sizeof(text)), -EINVAL);
	CHECK_MESSAGE("family");
	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4 | TCPTOP_FAMILY_IPV6, v4, text, sizeof(text)),
		  -EINVAL);
	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4, v4, small, sizeof(small) - 1), -ENOSPC);
	CHECK_STR(small, "");
	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4, v4, text, 0), -ENOSPC);
	CHECK_INT(tcptop_format_address(TCPTOP_FAMILY_IPV4, v4, small, sizeof(small)), 0);
	CHECK_STR(small, "127.0.0.1");
}

/* What needs no kernel: the calls that must fail before a collector runs. */
static void check_idle_collector(void)
{
	struct tcptop_collector *c = make_collector(1000);
	struct tcptop_snapshot *s = (struct tcptop_snapshot *)&s;

	CHECK_INT(tcptop_collector_next_snapshot(c, 0, &s), -EBUSY);
	CHECK_MESSAGE("not polling");
	CHECK(s == NULL);
	CHECK_INT(tcptop_collector_next_snapshot(c, -2, &s), -EINVAL);
	CHECK_MESSAGE("timeout_ms");
	CHECK_INT(tcptop_collector_stop(c), 0);
	CHECK_INT(tcptop_collector_stop(c), 0);
	/* No report before a successful start. */
	CHECK_INT(tcptop_collector_feature_count(c), 0);
	CHECK(tcptop_collector_feature(c, 0) == NULL);
	if (geteuid() != 0) {
		CHECK_INT(tcptop_collector_start_polling(c), -EPERM);
		CHECK_MESSAGE("CAP_");
		CHECK_INT(tcptop_collector_feature_count(c), 0);
		CHECK(tcptop_collector_feature(c, 0) == NULL);
	}
	tcptop_collector_destroy(c);
}

static void *wait_for_snapshot(void *arg)
{
	static int result;
	struct tcptop_snapshot *s = NULL;

	result = tcptop_collector_next_snapshot(arg, -1, &s);
	CHECK(s == NULL);
	tcptop_snapshot_free(s);
	return &result;
}

/* Starting twice, either mode, timeouts, stopping twice, restarting. */
static void check_states(void)
{
	/* One hour: no snapshot arrives during this check. */
	struct tcptop_collector *c = make_collector(3600000);
	struct tcptop_snapshot *s = NULL;
	pthread_t waiter;
	void *waited = NULL;

	CHECK_INT(tcptop_collector_start_polling(c), 0);
	CHECK_INT(tcptop_collector_start_polling(c), -EALREADY);
	CHECK_MESSAGE("already");
	CHECK_INT(tcptop_collector_start(c, ignore_snapshot, NULL), -EALREADY);
	CHECK_INT(tcptop_collector_next_snapshot(c, 0, &s), -ETIMEDOUT);
	CHECK_INT(tcptop_collector_next_snapshot(c, 50, &s), -ETIMEDOUT);
	CHECK(s == NULL);

	/* stop() wakes a thread that waits for ever. */
	pthread_create(&waiter, NULL, wait_for_snapshot, c);
	sleep_ms(200);
	CHECK_INT(tcptop_collector_stop(c), 0);
	pthread_join(waiter, &waited);
	CHECK_INT(*(int *)waited, -EBUSY);

	CHECK_INT(tcptop_collector_stop(c), 0);
	CHECK_INT(tcptop_collector_next_snapshot(c, 0, &s), -EBUSY);

	/* A stopped collector starts again, in the other mode. */
	CHECK_INT(tcptop_collector_start(c, ignore_snapshot, NULL), 0);
	CHECK_INT(tcptop_collector_next_snapshot(c, 0, &s), -EBUSY);
	CHECK_INT(tcptop_collector_start_polling(c), -EALREADY);
	tcptop_collector_destroy(c);
}

struct inside {
	struct tcptop_collector *c;
	struct flag done;
	int calls;
	int stop_result;
	int second_stop_result;
	int start_result;
};

static void stop_inside(const struct tcptop_snapshot *s, void *user_data)
{
	struct inside *in = user_data;

	(void)s;
	++in->calls;
	in->stop_result = tcptop_collector_stop(in->c);
	in->second_stop_result = tcptop_collector_stop(in->c);
	in->start_result = tcptop_collector_start_polling(in->c);
	flag_raise(&in->done);
}

/* Start a collector whose callback `fn` acts on it, and wait until it did. */
static void start_acting_inside(struct inside *in, tcptop_snapshot_fn fn)
{
	memset(in, 0, sizeof(*in));
	flag_init(&in->done);
	in->c = make_collector(20);
	CHECK_INT(tcptop_collector_start(in->c, fn, in), 0);
	CHECK(flag_wait(&in->done));
}

static void check_stop_inside_callback(void)
{
	struct inside in;

	start_acting_inside(&in, stop_inside);
	/* Ten intervals: no call follows the one that stopped. */
	sleep_ms(200);
	CHECK_INT(tcptop_collector_stop(in.c), 0);
	CHECK_INT(in.calls, 1);
	CHECK_INT(in.stop_result, 0);
	CHECK_INT(in.second_stop_result, 0);
	CHECK_INT(in.start_result, -EBUSY);
	tcptop_collector_destroy(in.c);
	flag_destroy(&in.done);
}

static void destroy_inside(const struct tcptop_snapshot *s, void *user_data)
{
	struct inside *in = user_data;

	(void)s;
	if (in->calls++ == 0) {
		tcptop_collector_destroy(in->c);
		flag_raise(&in->done);
	}
}

static void check_destroy_inside_callback(void)
{
	struct inside in;

	start_acting_inside(&in, destroy_inside);
	/* The delivery thread frees the collector once the callback returned;
	 * LeakSanitizer at exit says whether it did. */
	sleep_ms(1000);
	CHECK_INT(in.calls, 1);
	flag_destroy(&in.done);
}

static void count_calls(const struct tcptop_snapshot *s, void *user_data)
{
	(void)s;
	++*(int *)user_data;
	sleep_ms(5);
}

static void check_destroy_while_running(void)
{
	struct tcptop_collector *c = make_collector(10);
	int calls = 0, after;

	/* Push mode, with callbacks coming. */
	CHECK_INT(tcptop_collector_start(c, count_calls, &calls), 0);
	sleep_ms(300);
	tcptop_collector_destroy(c);
	after = calls;
	CHECK(after > 0);
	sleep_ms(100);
	CHECK_INT(calls, after);

	/* Pull mode, with snapshots that nobody took. */
	c = make_collector(10);
	CHECK_INT(tcptop_collector_start_polling(c), 0);
	sleep_ms(300);
	tcptop_collector_destroy(c);
}

/* A pulled snapshot belongs to the caller: it outlives its collector. */
static void check_snapshot_ownership(void)
{
	struct tcptop_collector *c = make_collector(10);
	struct tcptop_snapshot *s = NULL;
	size_t count;

	CHECK_INT(tcptop_collector_start_polling(c), 0);
	CHECK_INT(tcptop_collector_next_snapshot(c, 5000, &s), 0);
	tcptop_collector_destroy(c);
	if (!CHECK(s != NULL))
		return;
	count = tcptop_snapshot_connection_count(s);
	if (count > 0)
		CHECK(tcptop_snapshot_connection(s, count - 1) != NULL);
	CHECK(tcptop_snapshot_connection(s, count) == NULL);
	CHECK(tcptop_snapshot_connection(s, (size_t)-1) == NULL);
	CHECK(tcptop_snapshot_timestamp_ns(s) > 0);
	CHECK(tcptop_snapshot_interval_ns(s) > 0);
	CHECK(tcptop_snapshot_stats(s) != NULL);
	tcptop_snapshot_free(s);
}

/* Read every feature and its strings, as a C caller would. */
static size_t read_features(const struct tcptop_collector *c)
{
	size_t i, count = tcptop_collector_feature_count(c), text = 0;

	for (i = 0; i < count; ++i) {
		const struct tcptop_feature *f = tcptop_collector_feature(c, i);
		if (!CHECK(f != NULL))
			continue;
		text += strlen(f->name) + strlen(f->hooks) + strlen(f->note);
	}
	return text;
}

struct feature_reader {
	struct tcptop_collector *c;
	struct flag started;
	struct flag done;
	size_t rounds;
	size_t count_seen;
	size_t text_seen;
};

static void *keep_reading_features(void *arg)
{
	struct feature_reader *r = arg;

	while (!flag_is_raised(&r->done)) {
		r->count_seen = tcptop_collector_feature_count(r->c);
		r->text_seen = read_features(r->c);
		if (r->rounds++ == 0)
			flag_raise(&r->started);
	}
	return NULL;
}

/* The report: out of range, kept across stop and failed starts, read
 * while another thread stops the collector, renewed by a restart. */
static void check_features(void)
{
	struct tcptop_collector *c = make_collector(10);
	struct feature_reader reader;
	const struct tcptop_feature *first;
	pthread_t thread;
	size_t count, text;

	CHECK_INT(tcptop_collector_start_polling(c), 0);
	count = tcptop_collector_feature_count(c);
	CHECK(count > 0);
	first = tcptop_collector_feature(c, 0);
	CHECK(first != NULL);
	CHECK(tcptop_collector_feature(c, count) == NULL);
	CHECK(tcptop_collector_feature(c, count + 1) == NULL);
	CHECK(tcptop_collector_feature(c, (size_t)-1) == NULL);
	text = read_features(c);

	/* A refused start keeps the report of the running collector. */
	CHECK_INT(tcptop_collector_start(c, ignore_snapshot, NULL), -EALREADY);
	CHECK(tcptop_collector_feature(c, 0) == first);

	memset(&reader, 0, sizeof(reader));
	reader.c = c;
	flag_init(&reader.started);
	flag_init(&reader.done);
	pthread_create(&thread, NULL, keep_reading_features, &reader);
	CHECK(flag_wait(&reader.started));
	CHECK_INT(tcptop_collector_stop(c), 0);
	sleep_ms(50);
	flag_raise(&reader.done);
	pthread_join(thread, NULL);
	flag_destroy(&reader.started);
	flag_destroy(&reader.done);
	CHECK(reader.rounds > 1);
	CHECK_INT(reader.count_seen, count);
	CHECK_INT(reader.text_seen, text);

	/* A restart makes a new report, as whole as the first. */
	CHECK_INT(tcptop_collector_start(c, ignore_snapshot, NULL), 0);
	CHECK_INT(tcptop_collector_feature_count(c), count);
	CHECK_INT(read_features(c), text);
	tcptop_collector_destroy(c);
}

int main(void)
{
	check_texts();
	check_options();
	check_null_arguments();
	check_stale_handle();
	check_format_address();
	check_idle_collector();
	if (!harness_privileged())
		return harness_exit(1);

	check_states();
	check_stop_inside_callback();
	check_destroy_inside_callback();
	check_destroy_while_running();
	check_snapshot_ownership();
	check_features();
	return harness_exit(0);
}
