// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* UDP bytes and datagrams per flow (socket and remote endpoint). */
#include "common.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60

/*
 * UDP keeps no per-socket counters in the kernel, so exact UDP bytes need a
 * per-datagram hook. cgroup_skb runs once per packet (not per system call
 * like sock_send_length), and every packet costs here, TCP included: so
 * TCP leaves at the first byte read, and a UDP datagram of a socket's first
 * flow costs one sk_storage lookup and two atomic adds. Measured in
 * bench/overhead.sh; shared/KERNELS.md has the cost of each hook kind.
 */

/* Sized by user space (max_connections) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcptop_udp_flow_key);
	__type(value, struct tcptop_udp_flow);
} udp_flows SEC(".maps");

struct datagram {
	struct tcptop_udp_flow_key key; /* without the cookie */
	__u8 local_addr[16];
	__u16 local_port;
	__u64 payload;
	__u64 packets;
};

enum parse_result {
	NOT_UDP,
	UDP_DATAGRAM,
	/* IPv6 extension headers: maybe UDP behind them, not worth a walk on
	 * this path (they are rare on UDP sockets' traffic). */
	UNPARSED,
};

/*
 * The skb starts at the network header, and the IP and UDP headers are in its
 * linear part at both hooks (the IP layer built or pulled them), so they are
 * read in place: bpf_skb_load_bytes() would cost a helper call each.
 */
static __always_inline enum parse_result parse_datagram(struct __sk_buff *skb, bool egress,
							 struct datagram *dgram)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 *remote = dgram->key.remote_addr;
	__u8 *local = dgram->local_addr;
	struct udphdr *udp;
	__u32 l4_offset;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
			return NOT_UDP;
		l4_offset = ip->ihl * 4;
		__builtin_memcpy(remote, egress ? &ip->daddr : &ip->saddr, 4);
		__builtin_memcpy(local, egress ? &ip->saddr : &ip->daddr, 4);
		dgram->key.family = AF_INET;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip = data;

		if ((void *)(ip + 1) > data_end)
			return NOT_UDP;
		if (ip->nexthdr != IPPROTO_UDP) {
			switch (ip->nexthdr) {
			case NEXTHDR_HOP:
			case NEXTHDR_ROUTING:
			case NEXTHDR_FRAGMENT:
			case NEXTHDR_DEST:
				return UNPARSED;
			default:
				return NOT_UDP;
			}
		}
		l4_offset = sizeof(*ip);
		__builtin_memcpy(remote, egress ? &ip->daddr : &ip->saddr, 16);
		__builtin_memcpy(local, egress ? &ip->saddr : &ip->daddr, 16);
		dgram->key.family = AF_INET6;
	} else {
		return NOT_UDP;
	}

	udp = data + l4_offset;
	if ((void *)(udp + 1) > data_end || skb->len < l4_offset + sizeof(*udp))
		return NOT_UDP;
	dgram->key.remote_port = bpf_ntohs(egress ? udp->dest : udp->source);
	dgram->local_port = bpf_ntohs(egress ? udp->source : udp->dest);
	/* A UDP_SEGMENT (GSO) send is one skb carrying gso_segs datagrams
	 * behind one header pair. */
	dgram->payload = skb->len - l4_offset - sizeof(*udp);
	dgram->packets = skb->gso_segs > 1 ? skb->gso_segs : 1;
	return UDP_DATAGRAM;
}

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
first_flow_counters(struct __sk_buff *skb, struct tcptop_udp_first_flow *first,
		    const struct datagram *dgram)
{
	if (first->state == TCPTOP_FIRST_FLOW_READY)
		return same_remote(&first->key, &dgram->key) ? &first->counters : NULL;
	if (first->state != TCPTOP_FIRST_FLOW_FREE ||
	    __sync_val_compare_and_swap(&first->state, TCPTOP_FIRST_FLOW_FREE,
					TCPTOP_FIRST_FLOW_CLAIMED) != TCPTOP_FIRST_FLOW_FREE)
		return NULL;

	first->key = dgram->key;
	first->key.cookie = bpf_get_socket_cookie(skb);
	start_flow(&first->counters, dgram);
	/* An atomic operation, so that the stores above are visible before
	 * READY is: other CPUs read the key once they see READY. */
	__sync_fetch_and_add(&first->state, TCPTOP_FIRST_FLOW_READY - TCPTOP_FIRST_FLOW_CLAIMED);
	return &first->counters;
}

static __always_inline struct tcptop_udp_flow *other_flow_counters(struct __sk_buff *skb,
								   struct datagram *dgram)
{
	struct tcptop_udp_flow *flow;
	struct tcptop_udp_flow fresh = {};
	long err;

	dgram->key.cookie = bpf_get_socket_cookie(skb);
	flow = bpf_map_lookup_elem(&udp_flows, &dgram->key);
	if (flow)
		return flow;

	start_flow(&fresh, dgram);
	err = bpf_map_update_elem(&udp_flows, &dgram->key, &fresh, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU added it first */) {
		count_drop(TCPTOP_DROP_FLOW_TABLE_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&udp_flows, &dgram->key);
}

/* For UDP sockets that were open before the collector started: sock_create
 * made the storage of the others. */
static __always_inline struct tcptop_udp_first_flow *create_first_flow(struct bpf_sock *sk)
{
	struct tcptop_udp_first_flow *first;

	first = bpf_sk_storage_get(&udp_first_flows, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	/* NULL also when another CPU created it a moment ago. */
	return first ? first : bpf_sk_storage_get(&udp_first_flows, sk, NULL, 0);
}

static __always_inline void count_datagram(struct __sk_buff *skb, bool egress)
{
	struct tcptop_udp_first_flow *first;
	struct tcptop_udp_flow *flow;
	struct datagram dgram = {};
	struct bpf_sock *sk;

	switch (parse_datagram(skb, egress, &dgram)) {
	case NOT_UDP:
		return;
	case UNPARSED:
		sk = skb->sk;
		sk = sk ? bpf_sk_fullsock(sk) : NULL;
		if (sk && sk->protocol == IPPROTO_UDP)
			count_drop(TCPTOP_DROP_UDP_UNPARSED);
		return;
	case UDP_DATAGRAM:
		break;
	}

	sk = skb->sk;
	if (!sk)
		return;
	first = bpf_sk_storage_get(&udp_first_flows, sk, NULL, 0);
	if (!first) {
		/* Not made by sock_create: an older socket, or no UDP socket
		 * at all (a raw one sending UDP). */
		sk = bpf_sk_fullsock(sk);
		if (!sk || sk->protocol != IPPROTO_UDP)
			return;
		first = create_first_flow(sk);
	}
	/* Without storage (out of memory) the flow is still counted. */
	flow = first ? first_flow_counters(skb, first, &dgram) : NULL;
	if (!flow)
		flow = other_flow_counters(skb, &dgram);
	if (flow)
		add_datagram(flow, &dgram, egress);
}

SEC("cgroup_skb/egress")
int udp_egress(struct __sk_buff *skb)
{
	count_datagram(skb, true);
	return 1;
}

SEC("cgroup_skb/ingress")
int udp_ingress(struct __sk_buff *skb)
{
	count_datagram(skb, false);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
