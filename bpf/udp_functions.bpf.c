// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* UDP bytes and datagrams per flow, seen by fentry programs on the kernel's UDP functions. */
#include "udp_accounting.bpf.h"

/*
 * The fallback when no cgroup_skb program can be attached (no cgroup v2
 * root to be had, or cgroup hooks forbidden): fentry on the functions every
 * UDP datagram passes through, with the skb fully built. They serve no TCP
 * packet, but they need BPF trampolines, which not every kernel can attach
 * (Linux 6.18 here refuses them). The counting points are close to the
 * cgroup_skb ones, and give the same numbers for datagrams that are
 * delivered; they differ for datagrams that netfilter drops on output
 * (counted here, before it; cgroup egress runs after it), that a socket
 * filter drops on input (cgroup ingress counts them, this does not), and
 * for IPv6 extension headers (counted here; cgroup_skb does not walk them).
 */

/* Read a datagram's headers from \p skb; \p family is known on the send
 * side, where skb->protocol is not set yet. */
static __always_inline bool parse_skb(struct sk_buff *skb, __u16 family, bool egress,
				      struct datagram *dgram)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	unsigned char *data = BPF_CORE_READ(skb, data);
	__u16 network = BPF_CORE_READ(skb, network_header);
	__u16 transport = BPF_CORE_READ(skb, transport_header);
	struct skb_shared_info *shared;
	struct udphdr udp;
	__u32 behind_header;
	__u16 segments;

	if (family == AF_INET) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + network) ||
		    ip.protocol != IPPROTO_UDP)
			return false;
		__builtin_memcpy(dgram->key.remote_addr, egress ? &ip.daddr : &ip.saddr, 4);
		__builtin_memcpy(dgram->local_addr, egress ? &ip.saddr : &ip.daddr, 4);
	} else {
		struct ipv6hdr ip;

		/* Extension headers need no walk: the transport header
		 * offset already points past them. */
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + network))
			return false;
		__builtin_memcpy(dgram->key.remote_addr, egress ? &ip.daddr : &ip.saddr, 16);
		__builtin_memcpy(dgram->local_addr, egress ? &ip.saddr : &ip.daddr, 16);
	}
	if (bpf_probe_read_kernel(&udp, sizeof(udp), head + transport))
		return false;
	dgram->key.family = family;
	dgram->key.remote_port = bpf_ntohs(egress ? udp.dest : udp.source);
	dgram->local_port = bpf_ntohs(egress ? udp.source : udp.dest);

	/* The payload is what follows the UDP header, wherever skb->data is:
	 * at the IP header when sending, past the UDP header when queueing. */
	behind_header = (__u32)(head + transport + sizeof(udp) - data);
	dgram->payload = BPF_CORE_READ(skb, len) - behind_header;
	shared = (struct skb_shared_info *)(head + BPF_CORE_READ(skb, end));
	segments = BPF_CORE_READ(shared, gso_segs);
	dgram->packets = segments > 1 ? segments : 1;
	return true;
}

static __always_inline void count_skb(struct sock *sk, struct sk_buff *skb, __u16 family,
				      bool egress)
{
	struct tcptop_udp_first_flow *first;
	struct datagram dgram = {};

	/* The send functions also serve raw, ICMP and ping sockets. */
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP ||
	    BPF_CORE_READ(sk, sk_type) != SOCK_DGRAM)
		return;
	if (!parse_skb(skb, family, egress, &dgram))
		return;
	first = bpf_sk_storage_get(&udp_first_flows, sk, NULL, 0);
	if (!first)
		first = create_first_flow(sk);
	account_datagram(sk, first, &dgram, egress);
}

/* udp_send_skb() hands every IPv4 datagram to ip_send_skb(). */
SEC("fentry/ip_send_skb")
int BPF_PROG(udp_send_ipv4, struct net *net, struct sk_buff *skb)
{
	count_skb(skb->sk, skb, AF_INET, true);
	return 0;
}

/* udp_v6_send_skb() hands every IPv6 datagram to ip6_send_skb(). */
SEC("fentry/ip6_send_skb")
int BPF_PROG(udp_send_ipv6, struct sk_buff *skb)
{
	count_skb(skb->sk, skb, AF_INET6, true);
	return 0;
}

/* Both address families queue a datagram on its socket here. */
SEC("fentry/__udp_enqueue_schedule_skb")
int BPF_PROG(udp_receive, struct sock *sk, struct sk_buff *skb)
{
	__u16 family = BPF_CORE_READ(skb, protocol) == bpf_htons(ETH_P_IP) ? AF_INET : AF_INET6;

	count_skb(sk, skb, family, false);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
