#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The two UDP hook kinds side by side on Debian's Linux 6.1 under qemu, where both load.
#
# Usage (root, after a build and one run of the kernels suite, which fetches
# the kernel): bench/guest_hook_kinds.py [--build build] [--rounds 5]
#
# Arms: none; hook-floor (cgroup_skb programs that do nothing); libtcptop
# counting UDP with its cgroup_skb programs (tcptop --hooks cgroup); and
# with its fentry fallback (tcptop --hooks fentry). Workload: sockperf
# ping-pong, 64 bytes, client and server on one CPU, median latency. The
# guest is emulated (TCG): every cost is inflated, so only the ratios say
# anything, and only roughly. Prints a Markdown table.
import argparse
import os
import shutil
import statistics
import sys

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(repo, "tests", "kernels"))
from debian_kernel import KernelUnavailable, kernel_image  # noqa: E402
from guest_root import GuestRoot  # noqa: E402
from qemu_guest import boot  # noqa: E402

ARMS = ["none", "hook-floor", "cgroup", "fentry"]


class Console:
    """Where boot() echoes the guest's console: kept, and passed to stderr."""

    def __init__(self):
        self.text = []

    def write(self, text):
        self.text.append(text)
        sys.stderr.write(text)

    def flush(self):
        sys.stderr.flush()

    def lines(self):
        return "".join(self.text).splitlines()


def main():
    parser = argparse.ArgumentParser(description="UDP hook kinds compared on Linux 6.1 under qemu")
    parser.add_argument("--build", default=os.path.join(repo, "build"))
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    build = os.path.abspath(arguments.build)
    if os.geteuid() != 0:
        sys.exit("guest_hook_kinds.py: must run as root (it boots a VM with eBPF in it)")
    for program in ("qemu-system-x86_64", "busybox", "sockperf", "dash", "ip"):
        if not shutil.which(program):
            sys.exit(f"guest_hook_kinds.py: {program} not found")
    cache = os.path.join(build, "tests", "kernels")
    try:
        kernel, _, version = kernel_image(cache, "6.1")
    except KernelUnavailable as error:
        sys.exit(f"guest_hook_kinds.py: no Debian 6.1 kernel: {error}")

    root = GuestRoot(os.path.join(cache, "bench-root"))
    root.add_base_system()
    root.add_program(shutil.which("sockperf"))
    for program in ("examples/tcptop/tcptop", "bench/hook-floor"):
        if not os.path.exists(os.path.join(build, program)):
            sys.exit(f"guest_hook_kinds.py: {program} not built in {build} "
                     "(meson configure it with -Dbench=enabled, then meson compile)")
        root.add_program(os.path.join(build, program))
    script = os.path.join(repo, "bench", "guest_hook_kinds.sh")
    root.add_file(script, mode=0o755)
    root.add_text("/etc/tcptop-kernels/environment", "")
    root.add_text("/etc/tcptop-kernels/tests", f"bench {script} {build} {arguments.rounds}\n")
    initramfs = os.path.join(cache, "bench-initramfs.cpio")
    root.pack(initramfs)

    samples = {arm: [] for arm in ARMS}
    console = Console()
    boot(kernel, initramfs, 120 + 60 * arguments.rounds, echo=console)
    for line in console.lines():
        fields = line.split()
        if len(fields) == 4 and fields[0] == "@@arm" and fields[2] in samples:
            samples[fields[2]].append(float(fields[3]))
    if not all(len(values) == arguments.rounds for values in samples.values()):
        sys.exit(f"guest_hook_kinds.py: incomplete run: {samples}")

    base = statistics.median(samples["none"])
    print(f"Linux {version} under qemu (TCG), {arguments.rounds} interleaved rounds of 4 s, "
          "sockperf ping-pong 64 B p50")
    print()
    print("| arm | UDP latency p50 (usec) | vs none |")
    print("|---|---:|---:|")
    for arm in ARMS:
        median = statistics.median(samples[arm])
        print(f"| {arm} | {median:.3f} | {median / base:.3f} |")


if __name__ == "__main__":
    main()
