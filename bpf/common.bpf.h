/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps and CO-RE helpers shared by all of libtcptop's BPF programs. */
#ifndef TCPTOP_COMMON_BPF_H
#define TCPTOP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kernel_contract.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define EEXIST 17

/*
 * The .bpf.c files are linked into one object by `bpftool gen object`;
 * identical __weak definitions become one map there.
 */

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcptop_owner);
} socket_owners SEC(".maps") __weak;

/* Created with each UDP socket; see struct tcptop_udp_first_flow. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcptop_udp_first_flow);
} udp_first_flows SEC(".maps") __weak;

/* UDP flows beyond each socket's first: see bpf/udp_accounting.bpf.h.
 * Sized by user space (max_connections) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcptop_udp_flow_key);
	__type(value, struct tcptop_udp_flow);
} udp_flows SEC(".maps") __weak;

/* Closes, UDP socket releases and owners learned. 4 MiB unless user space
 * sizes it (EbpfOptions::event_buffer_bytes): about 20,000 of the largest
 * events, and user space drains it at least every 50 ms between intervals.
 * A full buffer loses the event and counts it in drop_counters; the kernel
 * side never waits. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPTOP_DROP_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drop_counters SEC(".maps") __weak;

static __always_inline void count_drop(__u32 counter)
{
	__u64 *value = bpf_map_lookup_elem(&drop_counters, &counter);

	if (value)
		*value += 1;
}

/*
 * Emit an event, or count it as dropped: the kernel side never waits.
 * The reader drains the buffer every 50 ms whether woken or not, so an
 * event does not wake it: a wakeup is an irq_work, whose interrupt runs
 * the pending network softirqs on its way out, and a close among them,
 * arriving while this CPU's close program is still running (in process
 * context, from a socket's backlog), is skipped by the kernel, which does
 * not nest a tracing program. With wakeups at a quarter full, a burst of
 * 6,000 closes lost up to a thousand runs so; without, none. 4 MiB
 * drained every 50 ms holds about 500,000 closes a second. A \p prompt
 * event wakes a waiting reader at once, as the ring buffer does by
 * default: for the rare event that must reach user space before the next
 * snapshot is made (an owner learned for a connection already closed,
 * which is forgotten once that snapshot is taken); it comes from a
 * socket's release, which runs in process context, never nested.
 */
static __always_inline long emit_event(const void *event, __u64 size, bool prompt)
{
	__u64 wakeup = prompt ? 0 : BPF_RB_NO_WAKEUP;
	long err = bpf_ringbuf_output(&events, (void *)event, size, wakeup);

	if (err)
		count_drop(TCPTOP_DROP_RINGBUF_FULL);
	return err;
}

static __always_inline void owner_from_current(struct tcptop_owner *owner)
{
	owner->pid = bpf_get_current_pid_tgid() >> 32;
	owner->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(owner->comm, sizeof(owner->comm));
}

static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

static __always_inline __u32 socket_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The socket flags live in struct sock_common as skc_flags (the kernel's
 * sk_flags is a macro for it) on every supported kernel: both 6.1's and
 * 6.18's BTF have it there, so no flavor is needed. */
static __always_inline bool socket_flag(const struct sock *sk, int flag)
{
	unsigned long flags = BPF_CORE_READ(sk, __sk_common.skc_flags);

	return flags & (1UL << flag);
}

static __always_inline void read_endpoints(const struct sock *sk, __u8 local[16],
					   __u8 remote[16], __u16 *family)
{
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (*family == AF_INET) {
		bpf_core_read(local, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(remote, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(remote, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Whether this socket has queued its FIN: in \p state, or when it leaves
 * \p state for TCP_CLOSE. */
static __always_inline bool fin_queued(int state)
{
	return state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 || state == TCP_CLOSING ||
	       state == TCP_LAST_ACK;
}

/*
 * Payload the peer acknowledged. The kernel counts every transmission
 * (bytes_sent) and the retransmitted part of it (bytes_retrans), so their
 * difference is the payload that left at least once; of that, snd_una..snd_nxt
 * is still unacknowledged. Once the FIN has left (everything queued, the FIN
 * last, was sent: snd_nxt == write_seq) it is the last unit of that range and
 * no payload. bytes_acked cannot serve: it counts the SYN on the side that
 * connected and not on the side that accepted, and for a socket open before
 * the collector started nothing tells which side that was.
 */
static __always_inline __u64 acknowledged_payload(const struct tcp_sock *tp, bool fin)
{
	__u64 transmitted = BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
	__u32 snd_una = BPF_CORE_READ(tp, snd_una);
	__u32 snd_nxt = BPF_CORE_READ(tp, snd_nxt);
	__u32 in_flight = snd_nxt - snd_una;

	if (fin && in_flight && snd_nxt == BPF_CORE_READ(tp, write_seq))
		in_flight -= 1;
	/* An unacknowledged SYN is in flight too, with no payload behind it. */
	return transmitted > in_flight ? transmitted - in_flight : 0;
}

/* Fill everything but `kind`, `close_ns` and `owner` from the live socket;
 * \p fin_was_queued: see fin_queued(). */
static __always_inline void read_tcp_socket(const struct sock *sk, bool fin_was_queued,
					    struct tcptop_tcp_record *rec)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	read_endpoints(sk, rec->local_addr, rec->remote_addr, &rec->family);
	rec->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	rec->remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	rec->netns = socket_netns(sk);
	rec->cookie = bpf_get_socket_cookie((void *)sk);
	rec->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	rec->bytes_sent = acknowledged_payload(tp, fin_was_queued);
	/* bytes_received follows rcv_nxt: everything received in order, read
	 * or still queued. The peer's FIN advances it by one; SOCK_DONE is set
	 * exactly when that FIN arrived. */
	rec->bytes_received = BPF_CORE_READ(tp, bytes_received);
	if (rec->bytes_received && socket_flag(sk, SOCK_DONE))
		rec->bytes_received -= 1;
	rec->segs_out = BPF_CORE_READ(tp, segs_out);
	rec->segs_in = BPF_CORE_READ(tp, segs_in);
	rec->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	rec->retransmits = BPF_CORE_READ(tp, total_retrans);
}

static __always_inline bool is_tcp_or_udp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 protocol = BPF_CORE_READ(sk, sk_protocol);
	__u16 type = BPF_CORE_READ(sk, sk_type);

	if (family != AF_INET && family != AF_INET6)
		return false;
	return (protocol == IPPROTO_TCP && type == SOCK_STREAM) ||
	       (protocol == IPPROTO_UDP && type == SOCK_DGRAM);
}

#endif /* TCPTOP_COMMON_BPF_H */
