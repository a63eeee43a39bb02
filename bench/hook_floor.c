// SPDX-License-Identifier: MIT
/*
 * hook-floor: attach cgroup_skb programs that return at once to the cgroup v2
 * root, and hold them until SIGINT or SIGTERM. bench/overhead.sh runs it as
 * an arm, so that libtcptop's UDP cost can be told apart from what any
 * cgroup_skb program costs on this kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "hook_floor.skel.h"

int main(int argc, char **argv)
{
	struct hook_floor *skel;
	struct bpf_link *egress, *ingress;
	sigset_t stop_signals;
	int cgroup_fd, received;

	if (argc != 2) {
		fprintf(stderr, "usage: hook-floor CGROUP2_ROOT\n");
		return 2;
	}
	cgroup_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgroup_fd < 0) {
		fprintf(stderr, "hook-floor: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}

	/* Blocked before attaching, so that a stop request is never lost. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);

	skel = hook_floor__open_and_load();
	if (!skel) {
		fprintf(stderr, "hook-floor: cannot load the programs: %s\n", strerror(errno));
		return 1;
	}
	egress = bpf_program__attach_cgroup(skel->progs.floor_egress, cgroup_fd);
	ingress = egress ? bpf_program__attach_cgroup(skel->progs.floor_ingress, cgroup_fd) : NULL;
	if (!ingress) {
		fprintf(stderr, "hook-floor: cannot attach to %s: %s\n", argv[1], strerror(errno));
		bpf_link__destroy(egress);
		hook_floor__destroy(skel);
		return 1;
	}

	sigwait(&stop_signals, &received);
	bpf_link__destroy(ingress);
	bpf_link__destroy(egress);
	hook_floor__destroy(skel);
	close(cgroup_fd);
	return 0;
}
