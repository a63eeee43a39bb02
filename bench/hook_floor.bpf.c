// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The price of the hook kind alone: cgroup_skb programs that do nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int floor_egress(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int floor_ingress(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
