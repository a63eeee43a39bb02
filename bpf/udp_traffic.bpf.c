// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* UDP bytes and datagrams per flow (socket and remote endpoint). */
#include "common.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define UDP_HEADER_LEN 8

/*
 * UDP keeps no per-socket counters in the kernel, so exact UDP bytes need a
 * per-datagram hook. cgroup_skb runs once per packet (not per system call
 * like sock_send_length) and TCP leaves it at the first test, which keeps
 * TCP at full speed (shared/KERNELS.md has the measurements).
 */

/* Sized by user space (max_connections) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcptop_udp_flow_key);
	__type(value, struct tcptop_udp_flow);
} udp_flows SEC(".maps");

struct datagram {
	struct tcptop_udp_flow_key key;
	__u8 local_addr[16];
	__u16 local_port;
	__u64 payload;
	__u64 packets;
};

/* Parse the IP and UDP headers; the skb starts at the network header. */
static __always_inline bool parse_datagram(struct __sk_buff *skb, bool egress,
					   struct datagram *dgram)
{
	__u8 *remote = dgram->key.remote_addr;
	__u8 *local = dgram->local_addr;
	__u16 ports[2];
	__u32 l4_offset;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_UDP)
			return false;
		l4_offset = ip.ihl * 4;
		__builtin_memcpy(remote, egress ? &ip.daddr : &ip.saddr, 4);
		__builtin_memcpy(local, egress ? &ip.saddr : &ip.daddr, 4);
		dgram->key.family = AF_INET;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip;

		/* Datagrams behind IPv6 extension headers are not counted. */
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.nexthdr != IPPROTO_UDP)
			return false;
		l4_offset = sizeof(ip);
		__builtin_memcpy(remote, egress ? &ip.daddr : &ip.saddr, 16);
		__builtin_memcpy(local, egress ? &ip.saddr : &ip.daddr, 16);
		dgram->key.family = AF_INET6;
	} else {
		return false;
	}
	if (bpf_skb_load_bytes(skb, l4_offset, ports, sizeof(ports)))
		return false;
	if (skb->len < l4_offset + UDP_HEADER_LEN)
		return false;
	dgram->key.remote_port = bpf_ntohs(egress ? ports[1] : ports[0]);
	dgram->local_port = bpf_ntohs(egress ? ports[0] : ports[1]);
	/* A UDP_SEGMENT (GSO) send is one skb carrying gso_segs datagrams
	 * behind one header pair. */
	dgram->payload = skb->len - l4_offset - UDP_HEADER_LEN;
	dgram->packets = skb->gso_segs > 1 ? skb->gso_segs : 1;
	return true;
}

static __always_inline void count_datagram(struct __sk_buff *skb, bool egress)
{
	struct tcptop_udp_flow *flow;
	struct datagram dgram = {};
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != IPPROTO_UDP)
		return;
	if (!parse_datagram(skb, egress, &dgram))
		return;
	dgram.key.cookie = bpf_get_socket_cookie(skb);

	flow = bpf_map_lookup_elem(&udp_flows, &dgram.key);
	if (!flow) {
		struct tcptop_udp_flow fresh = {};
		long err;

		__builtin_memcpy(fresh.local_addr, dgram.local_addr, 16);
		fresh.local_port = dgram.local_port;
		fresh.first_ns = bpf_ktime_get_ns();
		err = bpf_map_update_elem(&udp_flows, &dgram.key, &fresh, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST: another CPU added it first */) {
			count_drop(TCPTOP_DROP_FLOW_TABLE_FULL);
			return;
		}
		flow = bpf_map_lookup_elem(&udp_flows, &dgram.key);
		if (!flow)
			return;
	}
	if (egress) {
		__sync_fetch_and_add(&flow->bytes_sent, dgram.payload);
		__sync_fetch_and_add(&flow->packets_sent, dgram.packets);
	} else {
		__sync_fetch_and_add(&flow->bytes_received, dgram.payload);
		__sync_fetch_and_add(&flow->packets_received, dgram.packets);
	}
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
