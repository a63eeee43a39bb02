// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Socket creation and release: owners of UDP sockets, of accepted TCP ones, and UDP closes. */
#include "common.bpf.h"

/*
 * socket() runs in the creating process, in the socket's network namespace.
 * A TCP socket gets its owner when it connects (bpf/tcp_lifecycle.bpf.c),
 * also in its process, and only if it does: writing it here as well was
 * work done twice for every connection.
 */
SEC("cgroup/sock_create")
int sock_created(struct bpf_sock *sk)
{
	struct tcptop_owner *owner;

	if (sk->protocol != IPPROTO_UDP)
		return 1;
	owner = bpf_sk_storage_get(&socket_owners, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!owner)
		return 1;
	owner_from_current(owner);
	owner->netns = current_netns();
	owner->start_ns = bpf_ktime_get_ns();
	/* Made here, the datagram path never has to check the socket type. */
	if (sk->type == SOCK_DGRAM)
		bpf_sk_storage_get(&udp_first_flows, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	return 1;
}

/* close() of the last reference, in the closing process. TCP sockets report
 * their end through tcp_lifecycle; a UDP socket's flows end here. \p sk is
 * what the calling program's socket helpers take. */
static __always_inline void emit_udp_release(void *sk)
{
	struct tcptop_udp_socket event = {};
	struct tcptop_udp_first_flow *first;
	struct tcptop_owner *owner;

	owner = bpf_sk_storage_get(&socket_owners, sk, NULL, 0);
	if (owner) {
		event.owner = *owner;
	} else {
		owner_from_current(&event.owner);
		event.owner.netns = current_netns();
	}
	first = bpf_sk_storage_get(&udp_first_flows, sk, NULL, 0);
	if (first)
		event.first_flow = *first;
	event.kind = TCPTOP_EVENT_UDP_RELEASED;
	event.netns = event.owner.netns;
	event.cookie = bpf_get_socket_cookie(sk);
	event.close_ns = bpf_ktime_get_ns();
	emit_event(&event, sizeof(event), false);
}

/*
 * A TCP socket whose owner is still unknown (an accepted one) is released
 * by its owner: the last close() runs here in its process. A connection
 * accepted and reset within one interval would otherwise never have an
 * owner: it goes straight to TCP_CLOSE, and the file scan runs once per
 * interval. Closed with unread data or SO_LINGER 0, the socket reaches
 * TCP_CLOSE after this, and its close event carries the owner; reset by the
 * peer, it was closed before, so the owner follows in an event of its own.
 * \p sk is what the calling program's socket helpers take.
 */
static __always_inline void learn_tcp_owner(void *sk, int state)
{
	struct tcptop_owner *owner = bpf_sk_storage_get(&socket_owners, sk, NULL, 0);
	struct tcptop_owner_record event = {};

	if (!owner || owner->pid != 0)
		return;
	owner_from_current(owner);
	if (state != TCP_CLOSE)
		return;
	event.kind = TCPTOP_EVENT_OWNER_LEARNED;
	event.cookie = bpf_get_socket_cookie(sk);
	event.owner = *owner;
	emit_event(&event, sizeof(event), true);
}

SEC("cgroup/sock_release")
int sock_released(struct bpf_sock *sk)
{
	if (sk->protocol == IPPROTO_UDP && sk->type == SOCK_DGRAM)
		emit_udp_release(sk);
	else if (sk->protocol == IPPROTO_TCP)
		learn_tcp_owner(sk, sk->state);
	return 1;
}

/* The same point without a cgroup: inet_release() runs the sock_release
 * cgroup hook first thing. */
SEC("fentry/inet_release")
int BPF_PROG(udp_release, struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	if (sk->sk_protocol == IPPROTO_UDP && sk->sk_type == SOCK_DGRAM)
		emit_udp_release(sk);
	else if (sk->sk_protocol == IPPROTO_TCP)
		learn_tcp_owner(sk, sk->__sk_common.skc_state);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
