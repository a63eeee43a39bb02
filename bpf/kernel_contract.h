/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel/user contract: every record the BPF programs hand to user space. */
#ifndef TCPTOP_KERNEL_CONTRACT_H
#define TCPTOP_KERNEL_CONTRACT_H

/*
 * Included by the BPF programs (after vmlinux.h) and by user space's record
 * decoder (lib/linux/ebpf/record_decoder.cpp, after <linux/types.h>), the
 * only user-space code that reads these layouts, as "bpf/kernel_contract.h";
 * so only fixed-width kernel types appear here. Not to be confused with the public C header
 * <tcptop/tcptop.h>: nothing here is part of the library's API.
 * Addresses are 16 bytes in network order; an IPv4 address fills the first 4.
 * Ports are in host order. Times are CLOCK_MONOTONIC nanoseconds
 * (bpf_ktime_get_ns); user space converts them to wall-clock time.
 */

/* The kernel's TASK_COMM_LEN. */
#define TCPTOP_TASK_COMM_LEN 16

/* How a socket was opened: tcptop_owner.role. */
enum tcptop_sock_role {
	TCPTOP_SOCK_ROLE_UNKNOWN = 0,
	TCPTOP_SOCK_ROLE_CLIENT = 1,
	TCPTOP_SOCK_ROLE_SERVER = 2,
};

/* What the ring buffer carries; the first __u32 of every event. */
enum tcptop_event_kind {
	TCPTOP_EVENT_TCP_CLOSED = 1,
	TCPTOP_EVENT_UDP_RELEASED = 2,
	TCPTOP_EVENT_OWNER_LEARNED = 3,
};

/* Indexes of the per-CPU array `drop_counters`. */
enum tcptop_drop_counter {
	TCPTOP_DROP_RINGBUF_FULL = 0,  /* an event was lost: ring buffer full */
	TCPTOP_DROP_FLOW_TABLE_FULL,   /* a UDP datagram was not counted: flow map full */
	TCPTOP_DROP_UDP_UNPARSED,      /* a UDP datagram was not counted: IPv6 extension
					  headers before the UDP header */
	TCPTOP_DROP_COUNTER_COUNT,
};

/* Who owns a socket; the value of the sk_storage map `socket_owners`. */
struct tcptop_owner {
	__u64 start_ns;     /* when it opened; 0 if before the collector started */
	__u64 cgroup_id;    /* cgroup v2 id of the owning process */
	__u32 pid;          /* thread group id; 0 while not known */
	__u32 netns;        /* netns inode where the socket was created; 0 if not known */
	__u16 role;         /* enum tcptop_sock_role */
	__u16 local_port;   /* TCP: kept from ESTABLISHED, the kernel clears
			       it before the close is reported */
	char comm[TCPTOP_TASK_COMM_LEN];
};

/* One TCP socket: written by iter/tcp, and as TCPTOP_EVENT_TCP_CLOSED. */
struct tcptop_tcp_record {
	__u32 kind;             /* TCPTOP_EVENT_TCP_CLOSED in the ring buffer, 0 from the iterator */
	__u32 netns;
	__u64 cookie;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u16 local_port;
	__u16 remote_port;
	__u16 family;           /* AF_INET or AF_INET6, as the socket was created */
	__u8 state;             /* TCP_ESTABLISHED ...; the last state before TCP_CLOSE in an event */
	__u8 pad;
	__u64 bytes_sent;       /* payload, retransmissions counted once */
	__u64 bytes_received;   /* payload, without the peer's FIN */
	__u64 segs_out;
	__u64 segs_in;
	__u32 srtt_us;
	__u32 retransmits;
	__u64 close_ns;         /* 0 unless closed */
	struct tcptop_owner owner;
};

/* A UDP flow is one socket and one remote endpoint: key of `udp_flows`. */
struct tcptop_udp_flow_key {
	__u64 cookie;
	__u8 remote_addr[16];
	__u16 remote_port;
	__u16 family;           /* AF_INET or AF_INET6, as the datagram was sent */
	__u32 pad;
};

struct tcptop_udp_flow {
	__u8 local_addr[16];
	__u16 local_port;
	__u16 pad[3];
	__u64 first_ns;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 packets_sent;
	__u64 packets_received;
};

enum tcptop_first_flow_state {
	TCPTOP_FIRST_FLOW_FREE = 0,
	TCPTOP_FIRST_FLOW_CLAIMED,      /* a CPU is filling in the key */
	TCPTOP_FIRST_FLOW_READY,
};

/*
 * The first remote endpoint a UDP socket exchanges datagrams with is counted
 * in the socket's own storage: far cheaper per datagram than a hash lookup,
 * and a connected socket (or a server with one client) has no other. Any
 * further endpoint is counted in `udp_flows`; a datagram of the first one can
 * land there too while the key is being claimed, so user space adds up
 * entries with the same key. Value of the sk_storage map `udp_first_flows`.
 */
struct tcptop_udp_first_flow {
	__u32 state;            /* enum tcptop_first_flow_state; key and counters
				   are meaningful when READY */
	__u32 pad;
	struct tcptop_udp_flow_key key;
	struct tcptop_udp_flow counters;
};

/* One UDP socket: written by iter/udp, and as TCPTOP_EVENT_UDP_RELEASED. */
struct tcptop_udp_socket {
	__u32 kind;             /* TCPTOP_EVENT_UDP_RELEASED in the ring buffer, 0 from the iterator */
	__u32 netns;
	__u64 cookie;
	__u64 close_ns;
	struct tcptop_owner owner;
	struct tcptop_udp_first_flow first_flow;
};

/*
 * Who holds a socket: written by iter/task_file for each process holding a
 * TCP or UDP socket that has a cookie, and as TCPTOP_EVENT_OWNER_LEARNED when
 * a TCP socket reset before its owner was known is released by that owner.
 * Only pid, cgroup_id, comm and netns of the owner are set.
 */
struct tcptop_owner_record {
	__u32 kind;             /* TCPTOP_EVENT_OWNER_LEARNED in the ring buffer, 0 from the iterator */
	__u32 pad;
	__u64 cookie;
	struct tcptop_owner owner;
};

#endif /* TCPTOP_KERNEL_CONTRACT_H */
