// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* TCP connection lifecycle: who opened it, who closed it, its final counters. */
#include "common.bpf.h"

/*
 * inet_sock_set_state fires a few times per connection, never per packet,
 * so watching it costs nothing on the data path. It runs in the context of
 * the owning process only for the transitions that a system call makes:
 * connect() (-> SYN_SENT) and close() or shutdown() (-> FIN_WAIT1, LAST_ACK).
 * Every other transition may run in softirq, in whatever task was interrupted.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state_change, struct sock *sk, int old_state, int new_state)
{
	struct tcptop_owner *owner;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (old_state == TCP_LISTEN || new_state == TCP_LISTEN)
		return 0;

	if (new_state == TCP_SYN_SENT) {
		owner = bpf_sk_storage_get(&socket_owners, sk, NULL,
					   BPF_SK_STORAGE_GET_F_CREATE);
		if (!owner)
			return 0;
		owner_from_current(owner);
		owner->role = TCPTOP_SOCK_ROLE_CLIENT;
		owner->start_ns = bpf_ktime_get_ns();
		owner->netns = socket_netns(sk);
		return 0;
	}

	if (new_state == TCP_ESTABLISHED) {
		bool accepted = old_state == TCP_SYN_RECV;

		owner = bpf_sk_storage_get(&socket_owners, sk, NULL,
					   accepted ? BPF_SK_STORAGE_GET_F_CREATE : 0);
		if (!owner)
			return 0;
		if (accepted) {
			/* The accepting process is not known yet: accept() comes later. */
			owner->role = TCPTOP_SOCK_ROLE_SERVER;
			owner->start_ns = bpf_ktime_get_ns();
			owner->netns = socket_netns(sk);
		}
		owner->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
		return 0;
	}

	if (new_state == TCP_FIN_WAIT1 || new_state == TCP_LAST_ACK) {
		owner = bpf_sk_storage_get(&socket_owners, sk, NULL, 0);
		if (owner && owner->pid == 0)
			owner_from_current(owner);
	}

	return 0;
}

/*
 * The close has a program of its own because the kernel does not nest a
 * tracing program: a softirq transition that arrives while the same program
 * runs in process context on that CPU is skipped and only counted
 * (recursion_misses). Alone, the close program is busy for a few
 * nanoseconds per transition, so a skipped close is rare, and the
 * collector reports every skipped run as program_runs_missed.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_closed, struct sock *sk, int old_state, int new_state)
{
	struct tcptop_tcp_record rec = {};
	struct tcptop_owner *owner;

	if (new_state != TCP_CLOSE || old_state == TCP_LISTEN)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;

	read_tcp_socket(sk, fin_queued(old_state), &rec);
	rec.kind = TCPTOP_EVENT_TCP_CLOSED;
	rec.close_ns = bpf_ktime_get_ns();
	/* No entry: open before the collector started; user space knows
	 * the rest from its walks. */
	owner = bpf_sk_storage_get(&socket_owners, sk, NULL, 0);
	if (owner) {
		rec.owner = *owner;
		if (rec.local_port == 0)
			rec.local_port = owner->local_port;
	}
	emit_event(&rec, sizeof(rec), false);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
