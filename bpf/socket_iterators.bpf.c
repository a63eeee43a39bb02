// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Walks over live sockets and open files, run by user space once per interval. */
#include "common.bpf.h"

/*
 * The kernel already counts bytes, segments, RTT and retransmits in every
 * tcp_sock; reading them once per interval costs nothing on the data path
 * and also covers connections that were open before the collector started.
 */
SEC("iter/tcp")
int tcp_dump(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcptop_tcp_record rec = {};
	struct tcptop_owner *owner;
	struct tcp_sock *tp;
	struct sock *sk;
	int state;

	if (!skc)
		return 0;
	/* NULL for request and time-wait sockets: no counters there. */
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;
	state = sk->__sk_common.skc_state;
	if (state == TCP_LISTEN)
		return 0;

	read_tcp_socket(sk, fin_queued(state), &rec);
	/* No owner entry: opened before the collector started (start_ns 0). */
	owner = bpf_sk_storage_get(&socket_owners, sk, NULL, 0);
	if (owner)
		rec.owner = *owner;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

SEC("iter/udp")
int udp_dump(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct tcptop_udp_socket rec = {};
	struct tcptop_udp_first_flow *first;
	struct tcptop_owner *owner;
	struct sock *sk;

	if (!udp)
		return 0;
	sk = (struct sock *)udp;
	rec.cookie = bpf_get_socket_cookie(sk);
	rec.netns = socket_netns(sk);
	owner = bpf_sk_storage_get(&socket_owners, sk, NULL, 0);
	if (owner)
		rec.owner = *owner;
	first = bpf_sk_storage_get(&udp_first_flows, sk, NULL, 0);
	if (first)
		rec.first_flow = *first;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/*
 * Accepted sockets and sockets opened before the collector started have no
 * known owner. Walking every open file finds the process holding each one;
 * user space runs this only when such sockets have appeared, and keeps what
 * it learns in its connection table.
 *
 * The struct sock behind bpf_sock_from_file() is an untrusted pointer to
 * strict verifiers (Linux 6.18.44 refuses it to bpf_sk_storage_get() and
 * bpf_skc_to_tcp_sock()), so nothing here hands it to a helper: its fields
 * are only read, and the socket is named by the cookie the other walks gave
 * it. A socket no walk has seen yet has no cookie and is left for later.
 */
SEC("iter/task_file")
int socket_owner_scan(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct tcptop_owner_record rec = {};
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || !is_tcp_or_udp(sk))
		return 0;
	rec.cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (rec.cookie == 0)
		return 0;
	rec.owner.pid = task->tgid;
	rec.owner.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&rec.owner.comm, task, group_leader, comm);
	rec.owner.netns = socket_netns(sk);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
