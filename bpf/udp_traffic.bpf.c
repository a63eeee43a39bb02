// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* UDP bytes and datagrams per flow, seen by cgroup_skb programs on the cgroup v2 root. */
#include "udp_accounting.bpf.h"

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
 * bench/overhead.sh; README ("How it works") has the measured cost of each
 * hook kind.
 */

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
	if ((void *)(udp + 1) > data_end)
		return NOT_UDP;
	dgram->key.remote_port = bpf_ntohs(egress ? udp->dest : udp->source);
	dgram->local_port = bpf_ntohs(egress ? udp->source : udp->dest);
	/* A UDP_SEGMENT (GSO) send is one skb carrying gso_segs datagrams
	 * behind one header pair. */
	dgram->payload = skb->len - l4_offset - sizeof(*udp);
	dgram->packets = skb->gso_segs > 1 ? skb->gso_segs : 1;
	return UDP_DATAGRAM;
}

static __always_inline void count_datagram(struct __sk_buff *skb, bool egress)
{
	struct tcptop_udp_first_flow *first;
	struct datagram dgram = {};
	struct bpf_sock *sk;

	switch (parse_datagram(skb, egress, &dgram)) {
	case NOT_UDP:
		return;
	case UNPARSED:
		sk = skb->sk;
		sk = sk ? bpf_sk_fullsock(sk) : NULL;
		if (sk && sk->protocol == IPPROTO_UDP && sk->type == SOCK_DGRAM)
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
		 * at all (a raw one sending UDP, which iter/udp never lists). */
		sk = bpf_sk_fullsock(sk);
		if (!sk || sk->protocol != IPPROTO_UDP || sk->type != SOCK_DGRAM)
			return;
		first = create_first_flow(sk);
	}
	account_datagram(skb, first, &dgram, egress);
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
