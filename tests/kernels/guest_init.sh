#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the test guest: mount what the collector and the tests need, run
# each test the harness listed, print a result line per test and an end
# marker on the console, power off. The harness reads those lines.

/bin/busybox --install -s /bin
# The real ip (iproute2, for ip netns) comes before busybox's applet.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
marker=@@tcptop-kernels

mount_or_say() {
	mkdir -p "$3"
	mount -t "$1" "$2" "$3" || echo "$marker setup-failed mount -t $1 $3"
}
mount_or_say proc proc /proc
mount_or_say sysfs sysfs /sys
mount_or_say devtmpfs devtmpfs /dev
mount_or_say tracefs tracefs /sys/kernel/tracing
mount_or_say bpf bpf /sys/fs/bpf
# The kernel makes /sys/fs/cgroup, and cgroup2 mounts there directly on
# 6.1 and 6.12 alike. Only a mount point under it (the host's
# /sys/fs/cgroup/unified) would need a tmpfs there first: sysfs refuses mkdir.
mount_or_say cgroup2 cgroup2 /sys/fs/cgroup
# The initramfs root is writable memory already: no tmpfs on /tmp or /run,
# which would hide test programs that live there on the host.
mkdir -p /tmp /run
ln -s ../run /var/run
ip link set lo up || echo "$marker setup-failed ip link set lo up"

echo "$marker kernel $(uname -r) cpus $(nproc)"
. /etc/tcptop-kernels/environment
while read -r name command; do
	started=$(date +%s)
	(cd /tmp && eval "$command") </dev/null
	status=$?
	echo "$marker result $name $status $(($(date +%s) - started))"
done </etc/tcptop-kernels/tests
echo "$marker end"
poweroff -f
