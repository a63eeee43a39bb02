/* SPDX-License-Identifier: MIT */
/* The C ABI of libtcptop: flat functions and plain structs for C and foreign callers. */
#ifndef TCPTOP_TCPTOP_H
#define TCPTOP_TCPTOP_H

/*
 * Conventions
 * ===========
 *
 * Errors. Every function that can fail returns int: 0 on success, or a
 * negative errno value:
 *   -EINVAL      a bad argument: a NULL pointer, an option out of range, an
 *                unknown bit in a bit set, an options struct of a size this
 *                library cannot read
 *   -EPERM       missing privilege (the eBPF collector: root, or CAP_BPF +
 *                CAP_PERFMON, plus CAP_NET_ADMIN when UDP is watched)
 *   -EOPNOTSUPP  the kernel lacks what is needed (BTF, a program type, a hook;
 *                for TCPTOP_COLLECTOR_SOCK_DIAG, inet_diag)
 *   -ENOEXEC     the kernel refused to load a BPF program or map
 *   -EALREADY    start on a collector that is already running
 *   -EBUSY       next_snapshot on a collector that is not polling (never
 *                started, started in push mode, or stopped); start from
 *                inside the collector's own callback
 *   -ETIMEDOUT   next_snapshot: no snapshot within the timeout
 *   -ENOSPC      format_address: the buffer is too small
 *   -ENOMEM      out of memory
 *   -EIO         a system call failed
 * tcptop_strerror() names a code; tcptop_last_error_message() gives the
 * detail of the last failure on the calling thread (which capability is
 * missing, which option is bad). Successful calls leave it as it was.
 * Nothing else reports errors: no errno, no exceptions, no output.
 *
 * NULL. Every pointer argument is checked: NULL where an object is needed
 * gives -EINVAL (or NULL, 0 from the accessors); the destroy and free
 * functions accept NULL and do nothing. A call that fails sets its output
 * pointer, if any, to NULL.
 *
 * Ownership. tcptop_collector_create() returns a collector that the caller
 * frees with tcptop_collector_destroy(). A snapshot passed to the push
 * callback is borrowed for the call only; one returned by
 * tcptop_collector_next_snapshot() belongs to the caller, who frees it with
 * tcptop_snapshot_free(). Pointers into a snapshot (connections, stats) live
 * as long as the snapshot. The feature report of a collector
 * (tcptop_collector_feature(), with its strings) belongs to the collector
 * and lives until the collector is started again or destroyed. Other
 * strings returned as const char * are static or thread-local. None of
 * these are freed by the caller.
 *
 * Threads. Different collectors are independent. On one collector,
 * tcptop_collector_stop() may be called from any thread, also from inside
 * the callback, concurrently with another stop, and while other threads
 * wait in tcptop_collector_next_snapshot(), which may itself be called from
 * any thread. So may tcptop_collector_feature_count() and
 * tcptop_collector_feature(), also from inside the callback and while
 * stop runs. start, start_polling and destroy must not overlap other calls
 * on the same collector. The push callback runs on a thread owned by
 * the collector, never on the caller's, and never concurrently with itself.
 * Snapshots are immutable and may be read from any thread.
 *
 * Growth. struct tcptop_options begins with its size: fill it with
 * tcptop_options_init() and later versions can append fields without
 * breaking callers built against this header. Structs the library hands out
 * (tcptop_connection, tcptop_stats, tcptop_feature) are read through
 * pointers it returns, so later versions may append fields to them too.
 * Later versions may also report more features, with TCPTOP_FEATURE_*
 * values that follow the present ones: loop up to
 * tcptop_collector_feature_count() and skip values you do not know.
 */

#include <stddef.h>
#include <stdint.h>

#include <tcptop/export.h>
#include <tcptop/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/** \name Protocols: bits of tcptop_options.protocols, values of tcptop_connection.protocol */
/**@{*/
#define TCPTOP_PROTO_TCP 0x1u
#define TCPTOP_PROTO_UDP 0x2u
#define TCPTOP_PROTO_ALL (TCPTOP_PROTO_TCP | TCPTOP_PROTO_UDP)
/**@}*/

/** \name Address families: bits of tcptop_options.families, values of tcptop_connection.family */
/**@{*/
#define TCPTOP_FAMILY_IPV4 0x1u
#define TCPTOP_FAMILY_IPV6 0x2u
#define TCPTOP_FAMILY_ALL (TCPTOP_FAMILY_IPV4 | TCPTOP_FAMILY_IPV6)
/**@}*/

/** \name Hook kinds: bits of tcptop_options.hook_kinds (where there is a choice: UDP) */
/**@{*/
#define TCPTOP_HOOK_CGROUP 0x1u /**< cgroup_skb and cgroup/sock programs, the first choice */
#define TCPTOP_HOOK_FENTRY 0x2u /**< fentry programs on the kernel's UDP functions, the fallback */
#define TCPTOP_HOOK_ALL (TCPTOP_HOOK_CGROUP | TCPTOP_HOOK_FENTRY)
/**@}*/

/** \name Collectors: values of tcptop_options.collector */
/**@{*/
#define TCPTOP_COLLECTOR_EBPF 0u      /**< eBPF programs: everything, needs BPF privileges */
#define TCPTOP_COLLECTOR_SOCK_DIAG 1u /**< sock_diag dumps: no BPF, no capability, TCP totals and UDP endpoints */
/**@}*/

/** \name Roles: values of tcptop_connection.role */
/**@{*/
#define TCPTOP_ROLE_UNKNOWN 0u /**< opened before the collector started, or a UDP flow */
#define TCPTOP_ROLE_CLIENT 1u  /**< active open (connect) */
#define TCPTOP_ROLE_SERVER 2u  /**< accepted from a listening socket */
/**@}*/

/** \name Features: values of tcptop_feature.feature, one per kind of data a collector reports */
/**@{*/
#define TCPTOP_FEATURE_TCP_COUNTERS 0u     /**< bytes, segments, RTT and retransmits of live TCP connections */
#define TCPTOP_FEATURE_TCP_LIFECYCLE 1u    /**< TCP opens and closes: role, client owner, final totals */
#define TCPTOP_FEATURE_UDP_COUNTERS 2u     /**< UDP bytes and datagrams per flow */
#define TCPTOP_FEATURE_UDP_LIFECYCLE 3u    /**< UDP socket owners at creation, and UDP closes */
#define TCPTOP_FEATURE_SOCKET_OWNERS 4u    /**< owners of sockets opened before the start, and of accepted ones */
#define TCPTOP_FEATURE_OTHER_NAMESPACES 5u /**< live sockets of network namespaces other than the collector's */
/**@}*/

/** Room for any address tcptop_format_address() writes, with its NUL (as INET6_ADDRSTRLEN). */
#define TCPTOP_ADDRESS_STRLEN 46

/** Size of tcptop_connection.comm and .state, with the NUL. */
#define TCPTOP_COMM_LEN 16
#define TCPTOP_STATE_LEN 16

/**
 * \brief Collector settings; tcptop_options_init() fills the defaults,
 * which watch everything once a second.
 */
struct tcptop_options {
	/** sizeof(struct tcptop_options) as the caller was compiled; set by tcptop_options_init(). */
	uint32_t size;
	/** Time between snapshots in milliseconds: 10 to 3,600,000. Default 1000. */
	uint32_t interval_ms;
	/** Only connections owned by this process; 0 (default) for all. */
	uint32_t pid;
	/** TCPTOP_PROTO_* bits, at least one. Default TCPTOP_PROTO_ALL. Without
	 *  TCPTOP_PROTO_UDP the per-datagram hooks stay out of the kernel. */
	uint32_t protocols;
	/** TCPTOP_FAMILY_* bits, at least one. Default TCPTOP_FAMILY_ALL. */
	uint32_t families;
	/** Cap on connections and UDP flows held at once: 1 to 4,194,304.
	 *  Default 65536. More are counted in tcptop_stats.connections_evicted. */
	uint32_t max_connections;
	/** Only connections with this local or remote port; 0 (default) for all. */
	uint16_t port;
	/** TCPTOP_HOOK_* bits: the hook kinds the eBPF collector may use where
	 *  there is a choice. Default TCPTOP_HOOK_ALL. With none that works, UDP is unavailable
	 *  (see tcptop_collector_feature()). A caller whose struct ends before
	 *  this field (size 28) gets the default. */
	uint32_t hook_kinds;
	/** Room in the eBPF collector's kernel table of UDP flows beyond each
	 *  socket's first (a server's clients), checked whichever collector: 0 to 4,194,304, 0 (default) for max_connections.
	 *  Datagrams of flows that find it full are counted in
	 *  tcptop_stats.udp_datagrams_untracked. A caller whose struct ends
	 *  before this field (size 32) gets the default. */
	uint32_t max_udp_flows;
	/** Size in bytes of the eBPF collector's ring buffer that carries
	 *  closes, UDP socket releases and owners learned from the kernel,
	 *  checked whichever collector: 0 (default) for 4 MiB,
	 *  else a power of two from the page size (4096) to 1 GiB. Events that
	 *  find it full are lost and counted in tcptop_stats.events_dropped. A
	 *  caller whose struct ends before this field (size 36) gets the
	 *  default. */
	uint32_t event_buffer_bytes;
	/** TCPTOP_COLLECTOR_*: which collector reads the kernel. Default
	 *  TCPTOP_COLLECTOR_EBPF; TCPTOP_COLLECTOR_SOCK_DIAG needs no BPF and
	 *  no capability but misses connections that open and close between
	 *  two intervals (README: "Two collectors"). A caller whose struct
	 *  ends before this field (size 40) gets the default. */
	uint32_t collector;
};

/**
 * \brief One TCP connection (one socket) or one UDP flow (one socket and one
 * remote endpoint), with totals since it opened.
 *
 * The fields carry the names of the C++ tcptop::ConnectionRecord; README.md
 * describes each.
 */
struct tcptop_connection {
	uint8_t protocol;          /**< TCPTOP_PROTO_TCP or TCPTOP_PROTO_UDP */
	uint8_t family;            /**< TCPTOP_FAMILY_IPV4 or TCPTOP_FAMILY_IPV6 */
	uint8_t role;              /**< TCPTOP_ROLE_* */
	uint8_t closed;            /**< 1 in the one snapshot that follows the close, else 0 */
	uint16_t local_port;       /**< host order */
	uint16_t remote_port;      /**< host order */
	uint8_t local_addr[16];    /**< network order; IPv4 fills the first 4 bytes */
	uint8_t remote_addr[16];   /**< network order; IPv4 fills the first 4 bytes */
	uint32_t netns;            /**< inode of the network namespace */
	uint32_t pid;              /**< owning process (thread group id); 0 while unknown */
	char comm[TCPTOP_COMM_LEN];   /**< owning process name, NUL-terminated; empty while unknown */
	char state[TCPTOP_STATE_LEN]; /**< TCP state as the kernel names it ("ESTABLISHED"); empty for UDP */
	uint64_t cgroup_id;        /**< cgroup v2 id of the owner; 0 while unknown */
	uint64_t bytes_sent;       /**< payload bytes, retransmissions counted once */
	uint64_t bytes_received;   /**< payload bytes, like bytes_sent */
	uint64_t packets_sent;     /**< TCP: segments including pure ACKs; UDP: datagrams */
	uint64_t packets_received; /**< TCP: segments; UDP: datagrams */
	double bytes_sent_per_sec; /**< over the snapshot's interval */
	double bytes_received_per_sec; /**< over the snapshot's interval */
	uint32_t srtt_us;          /**< smoothed round-trip time; 0 for UDP */
	uint32_t retransmits;      /**< retransmitted segments; 0 for UDP */
	uint64_t start_time_ns;    /**< wall clock when it opened, or was first seen */
	uint64_t close_time_ns;    /**< wall clock of the close; 0 while open */
	uint64_t socket_cookie;    /**< the kernel's socket cookie: stable for the socket's life */
};

/** \brief Collector counters over a snapshot's interval, unless said otherwise. */
struct tcptop_stats {
	uint64_t events;              /**< kernel events (closes, socket releases) consumed */
	uint64_t events_dropped;      /**< events lost to a full ring buffer */
	uint64_t connections_tracked; /**< connections held when the snapshot was made */
	uint64_t connections_evicted; /**< connections not tracked because max_connections was reached */
	uint64_t snapshots_coalesced; /**< intervals folded into this snapshot because the consumer was behind */
	uint64_t udp_datagrams_untracked; /**< UDP datagrams not counted: the kernel's flow table
					       (tcptop_options.max_udp_flows) was full */
	uint64_t udp_datagrams_unparsed;  /**< UDP datagrams not counted: no UDP header found
					       (IPv6 extension headers) */
	uint64_t collection_ns;       /**< wall time taken to make this snapshot, from its tick
					   until it was handed over for delivery */
	uint64_t program_runs_missed; /**< runs of the kernel programs skipped because the same
					   program was running on that CPU: a close or an owner
					   may be missing */
	uint64_t connections_unseen;  /**< TCP connections opened and closed between two dumps
					   of the sock_diag collector, never seen (0 with eBPF) */
};

/**
 * \brief How a started collector obtains one kind of data on this kernel,
 * or why it cannot; the C form of the C++ tcptop::FeatureStatus.
 *
 * The kernel is probed at start, and each feature uses the preferred hooks
 * the kernel offers, or a fallback. The data of an unavailable feature is
 * absent from the snapshots, never reported as 0 (but for the sock_diag
 * collector's UDP records, whose counts are 0). The strings are never
 * NULL and belong to the collector (see tcptop_collector_feature()).
 */
struct tcptop_feature {
	uint32_t feature;   /**< TCPTOP_FEATURE_* */
	uint32_t available; /**< 1 when the collector delivers it, else 0 (also when not asked for) */
	const char *name;   /**< "tcp_counters", ...: the TCPTOP_FEATURE_ name in lower case */
	const char *hooks;  /**< the hooks in use, as the kernel names them ("iter/tcp"); empty when unavailable */
	const char *note;   /**< why it is unavailable, or which fallback was taken and why;
			         empty when the preferred hooks are in use */
};

/** \brief A running or idle collector (opaque). */
struct tcptop_collector;

/** \brief What one interval delivered (opaque; read it with the tcptop_snapshot_* functions). */
struct tcptop_snapshot;

/**
 * \brief The push-mode callback.
 * \param snapshot borrowed for the call only: copy what must outlive it.
 * \param user_data as given to tcptop_collector_start().
 *
 * Runs on a thread of the collector, never concurrently with itself. It may
 * call tcptop_collector_stop() on its own collector (that call is the last).
 */
typedef void (*tcptop_snapshot_fn)(const struct tcptop_snapshot *snapshot, void *user_data);

/**
 * \brief The version of the library loaded at run time, as "MAJOR.MINOR.PATCH".
 *
 * Compare with TCPTOP_VERSION_STRING to see the headers and the library agree.
 * \return a static string; never NULL. Thread-safe.
 */
TCPTOP_EXPORT const char *tcptop_version(void);

/**
 * \brief A short description of an error code returned by this library.
 * \param err a negative errno value as returned (a positive one is read the same).
 * \return a static string, "success" for 0, "unknown error" for codes this
 *         library does not return; never NULL. Thread-safe.
 */
TCPTOP_EXPORT const char *tcptop_strerror(int err);

/**
 * \brief The detail of the last failure on the calling thread, such as the
 * missing capability or the bad option.
 * \return a thread-local string, valid until the next failing call on this
 *         thread; empty if nothing failed yet; never NULL.
 */
TCPTOP_EXPORT const char *tcptop_last_error_message(void);

/**
 * \brief Fill \p opts with the defaults and set opts->size.
 * \param opts the struct to fill; NULL does nothing. Thread-safe.
 */
TCPTOP_EXPORT void tcptop_options_init(struct tcptop_options *opts);

/**
 * \brief Make a collector from \p opts; nothing touches the kernel yet.
 *
 * Privileges and kernel support are checked by the start functions.
 * \param opts settings, copied; opts->size must come from tcptop_options_init().
 * \param out receives the collector; set to NULL on failure.
 * \return 0, -EINVAL (NULL argument, bad size, an option out of range or an
 *         unknown bit; the message names the field), -ENOMEM.
 */
TCPTOP_EXPORT int tcptop_collector_create(const struct tcptop_options *opts,
					  struct tcptop_collector **out);

/**
 * \brief Stop \p c if it is running, then free it. NULL does nothing.
 *
 * A collector destroyed already is not touched again: that does nothing
 * but set the last error message. So does every entry point given one
 * (they return -EINVAL, 0 or NULL as for NULL), unless a newer collector
 * was made at the same address: a stale handle that cannot be told apart
 * from a live one is that one.
 *
 * After it returns no callback runs. Must not overlap other calls on \p c.
 * Called from inside the callback of \p c, the collector is stopped at once
 * and freed when the callback returns.
 */
TCPTOP_EXPORT void tcptop_collector_destroy(struct tcptop_collector *c);

/**
 * \brief Push mode: load the kernel programs and call \p fn once per interval.
 * \param c the collector.
 * \param fn called on a thread of the collector with each snapshot.
 * \param user_data passed to \p fn as is; may be NULL.
 * \return 0, -EINVAL (NULL or destroyed \p c, NULL \p fn), -EALREADY (already running),
 *         -EBUSY (from inside its own callback), -EPERM, -EOPNOTSUPP,
 *         -ENOEXEC, -EIO, -ENOMEM.
 *
 * A stopped collector may be started again, in either mode.
 */
TCPTOP_EXPORT int tcptop_collector_start(struct tcptop_collector *c, tcptop_snapshot_fn fn,
					 void *user_data);

/**
 * \brief Pull mode: load the kernel programs and keep snapshots for
 * tcptop_collector_next_snapshot(), for runtimes that cannot take callbacks
 * on foreign threads.
 *
 * At most a few snapshots wait; while the caller does not take them, the
 * collector folds intervals into the next one (tcptop_stats.snapshots_coalesced
 * counts them) and closed connections are kept until delivered, so a slow
 * consumer misses no connection and memory stays bounded.
 * \return 0, -EINVAL (NULL or destroyed \p c), -EALREADY, -EBUSY (from inside its own
 *         callback), -EPERM, -EOPNOTSUPP, -ENOEXEC, -EIO, -ENOMEM.
 */
TCPTOP_EXPORT int tcptop_collector_start_polling(struct tcptop_collector *c);

/**
 * \brief Pull mode: take the oldest waiting snapshot, waiting for one if needed.
 * \param c a collector started with tcptop_collector_start_polling().
 * \param timeout_ms how long to wait: 0 does not wait, -1 waits until a
 *        snapshot arrives or the collector is stopped.
 * \param out receives the snapshot, which the caller frees with
 *        tcptop_snapshot_free(); set to NULL on failure.
 * \return 0, -EINVAL (NULL argument, destroyed \p c, \p timeout_ms below -1), -EBUSY (not
 *         polling, or stopped while waiting), -ETIMEDOUT.
 */
TCPTOP_EXPORT int tcptop_collector_next_snapshot(struct tcptop_collector *c, int timeout_ms,
						 struct tcptop_snapshot **out);

/**
 * \brief Detach from the kernel and stop delivering. Idempotent.
 *
 * Returns when no callback is running or can run any more, except when
 * called from inside the callback: then the running call is the last.
 * Wakes any thread waiting in next_snapshot (it returns -EBUSY) and frees
 * the snapshots nobody took.
 * \return 0, or -EINVAL for a NULL or destroyed \p c.
 */
TCPTOP_EXPORT int tcptop_collector_stop(struct tcptop_collector *c);

/**
 * \brief Number of entries in the feature report of \p c: one per
 * TCPTOP_FEATURE_* value after a successful start, 0 before one or for a
 * NULL or destroyed \p c.
 *
 * The report is made by the last successful start (in either mode) and
 * kept after stop. May be called from any thread, also from inside the
 * callback and while tcptop_collector_stop() runs, but not overlapping
 * start, start_polling or destroy. Sets no error.
 */
TCPTOP_EXPORT size_t tcptop_collector_feature_count(const struct tcptop_collector *c);

/**
 * \brief Entry \p i of the feature report of \p c, in TCPTOP_FEATURE_*
 * order: entry i describes feature value i.
 *
 * The entry and its strings belong to the collector and stay valid until
 * it is started again or destroyed; stop leaves them. Threads as for
 * tcptop_collector_feature_count(). Sets no error.
 * \return NULL when \p c is NULL or destroyed, before a successful start, or when \p i
 *         is out of range.
 */
TCPTOP_EXPORT const struct tcptop_feature *
tcptop_collector_feature(const struct tcptop_collector *c, size_t i);

/**
 * \brief Free a snapshot from tcptop_collector_next_snapshot(). NULL does nothing.
 *
 * Never pass the borrowed snapshot of a push callback.
 */
TCPTOP_EXPORT void tcptop_snapshot_free(struct tcptop_snapshot *s);

/**
 * \brief Number of connections in \p s (open ones, and those closed during
 * the interval); 0 for NULL.
 */
TCPTOP_EXPORT size_t tcptop_snapshot_connection_count(const struct tcptop_snapshot *s);

/**
 * \brief Connection \p i of \p s, valid as long as \p s.
 * \return NULL when \p s is NULL or \p i is out of range.
 */
TCPTOP_EXPORT const struct tcptop_connection *
tcptop_snapshot_connection(const struct tcptop_snapshot *s, size_t i);

/** \brief Wall clock (ns since the epoch) when \p s was made; 0 for NULL. */
TCPTOP_EXPORT uint64_t tcptop_snapshot_timestamp_ns(const struct tcptop_snapshot *s);

/** \brief Time since the previous delivered snapshot (or since start), in ns; 0 for NULL. */
TCPTOP_EXPORT uint64_t tcptop_snapshot_interval_ns(const struct tcptop_snapshot *s);

/**
 * \brief The collector counters that came with \p s, valid as long as \p s.
 * \return NULL when \p s is NULL.
 */
TCPTOP_EXPORT const struct tcptop_stats *tcptop_snapshot_stats(const struct tcptop_snapshot *s);

/**
 * \brief Text form of an address (inet_ntop, without brackets).
 * \param family TCPTOP_FAMILY_IPV4 or TCPTOP_FAMILY_IPV6.
 * \param addr 16 bytes in network order, as in tcptop_connection.
 * \param buf receives the NUL-terminated text.
 * \param size size of \p buf; TCPTOP_ADDRESS_STRLEN always suffices.
 * \return 0, -EINVAL (NULL pointer, unknown family), -ENOSPC (\p buf too
 *         small; it then holds an empty string if \p size > 0). Thread-safe.
 */
TCPTOP_EXPORT int tcptop_format_address(uint32_t family, const uint8_t *addr, char *buf,
					size_t size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TCPTOP_TCPTOP_H */
