/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counting one UDP datagram into its flow, whichever hook saw it. */
#ifndef TCPTOP_UDP_ACCOUNTING_BPF_H
#define TCPTOP_UDP_ACCOUNTING_BPF_H

#include "common.bpf.h"

struct datagram {
	struct tcptop_udp_flow_key key; /* without the cookie */
	__u8 local_addr[16];
	__u16 local_port;
	__u64 payload;
	__u64 packets;
};

static __always_inline bool same_remote(const struct tcptop_udp_flow_key *a,
					const struct tcptop_udp_flow_key *b)
{
	const __u64 *x = (const __u64 *)a->remote_addr;
	const __u64 *y = (const __u64 *)b->remote_addr;

	return x[0] == y[0] && x[1] == y[1] && a->remote_port == b->remote_port &&
	       a->family == b->family;
}

static __always_inline void start_flow(struct tcptop_udp_flow *flow, const struct datagram *dgram)
{
	__builtin_memcpy(flow->local_addr, dgram->local_addr, 16);
	flow->local_port = dgram->local_port;
	flow->first_ns = bpf_ktime_get_ns();
}

static __always_inline void add_datagram(struct tcptop_udp_flow *flow, const struct datagram *dgram,
					 bool egress)
{
	if (egress) {
		__sync_fetch_and_add(&flow->bytes_sent, dgram->payload);
		__sync_fetch_and_add(&flow->packets_sent, dgram->packets);
	} else {
		__sync_fetch_and_add(&flow->bytes_received, dgram->payload);
		__sync_fetch_and_add(&flow->packets_received, dgram->packets);
	}
}

/* The counters of the socket's first flow, claiming it if still free; NULL
 * when the datagram belongs to another flow. */
static __always_inline struct tcptop_udp_flow *
first_flow_counters(void *cookie_source, struct tcptop_udp_first_flow *first,
		    const struct datagram *dgram)
{
	if (first->state == TCPTOP_FIRST_FLOW_READY)
		return same_remote(&first->key, &dgram->key) ? &first->counters : NULL;
	if (first->state != TCPTOP_FIRST_FLOW_FREE ||
	    __sync_val_compare_and_swap(&first->state, TCPTOP_FIRST_FLOW_FREE,
					TCPTOP_FIRST_FLOW_CLAIMED) != TCPTOP_FIRST_FLOW_FREE)
		return NULL;

	first->key = dgram->key;
	first->key.cookie = bpf_get_socket_cookie(cookie_source);
	start_flow(&first->counters, dgram);
	/* A fully ordered atomic (a fetching one: a plain atomic add has no
	 * ordering on every architecture), so that the stores above are
	 * visible before READY is; other CPUs read the key once they see it. */
	__sync_val_compare_and_swap(&first->state, TCPTOP_FIRST_FLOW_CLAIMED,
				    TCPTOP_FIRST_FLOW_READY);
	return &first->counters;
}

static __always_inline struct tcptop_udp_flow *other_flow_counters(void *cookie_source,
								   struct datagram *dgram)
{
	struct tcptop_udp_flow *flow;
	struct tcptop_udp_flow fresh = {};
	long err;

	dgram->key.cookie = bpf_get_socket_cookie(cookie_source);
	flow = bpf_map_lookup_elem(&udp_flows, &dgram->key);
	if (flow)
		return flow;

	start_flow(&fresh, dgram);
	err = bpf_map_update_elem(&udp_flows, &dgram->key, &fresh, BPF_NOEXIST);
	/* EEXIST: another CPU added it first. */
	if (err && err != -EEXIST) {
		count_drop(TCPTOP_DROP_FLOW_TABLE_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&udp_flows, &dgram->key);
}

/* For a UDP socket that has no first-flow storage yet: one open before the
 * collector started, or any socket when cgroup/sock_create is not used. */
static __always_inline struct tcptop_udp_first_flow *create_first_flow(void *sk)
{
	struct tcptop_udp_first_flow *first;

	first = bpf_sk_storage_get(&udp_first_flows, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	/* NULL also when another CPU created it a moment ago. */
	return first ? first : bpf_sk_storage_get(&udp_first_flows, sk, NULL, 0);
}

/*
 * Count a parsed datagram of a UDP socket whose first-flow storage is
 * \p first (NULL when it could not be made: the flow is still counted).
 * \p cookie_source is what bpf_get_socket_cookie() takes in the calling
 * program: the skb of a cgroup_skb program, the socket of a tracing one.
 */
static __always_inline void account_datagram(void *cookie_source, struct tcptop_udp_first_flow *first,
					     struct datagram *dgram, bool egress)
{
	struct tcptop_udp_flow *flow;

	flow = first ? first_flow_counters(cookie_source, first, dgram) : NULL;
	if (!flow)
		flow = other_flow_counters(cookie_source, dgram);
	if (flow)
		add_datagram(flow, dgram, egress);
}

#endif /* TCPTOP_UDP_ACCOUNTING_BPF_H */
