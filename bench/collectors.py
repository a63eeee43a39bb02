#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Snapshot cost of the two collectors, eBPF and sock_diag, side by side on 10,000 and 100,000 sockets.

Usage (root): bench/collectors.py [--probe build/bench/snapshot-probe]
              [--sizes 5000,50000] [--interval 1] [--intervals 8]

For each size (connections; both ends are sockets) it holds that many
established loopback connections, then runs snapshot-probe (TCP only)
with the eBPF collector and then with the sock_diag collector against the
same sockets, and reads INTERVALS steady snapshots of each after the ones
that learn the owners. Prints, as Markdown, per collector and size: the
collector thread's CPU time and the wall time from the tick to the handler
per snapshot (medians), the first snapshots' worst (the owner walk: BPF
iterator or /proc scan), and the ratio sock_diag / eBPF. Progress goes to
stderr.
"""

import argparse
import os
import resource
import statistics
import sys
import time

from sockets_at_scale import Holders, Probe

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTORS = ("ebpf", "sock_diag")


def log(message):
    print(f"collectors.py: {message}", file=sys.stderr, flush=True)


def measure(probe_path, collector, interval, intervals, wanted):
    """Medians of steady snapshots, and the worst of those that learned the owners."""
    probe = Probe(probe_path, interval, wanted + 65536, collector)
    try:
        learning = probe.learn(wanted)
        steady = [probe.next_snapshot() for _ in range(intervals)]
    finally:
        probe.stop()
    return {
        "tracked": statistics.median(s["tracked"] for s in steady),
        "cpu_ms": statistics.median(s["collector_cpu_ns"] for s in steady) / 1e6,
        "wall_ms": statistics.median(s["tick_to_handler_ns"] for s in steady) / 1e6,
        "learn_cpu_ms": max(s["collector_cpu_ns"] for s in learning) / 1e6,
        "learn_wall_ms": max(s["tick_to_handler_ns"] for s in learning) / 1e6,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", default=os.path.join(REPO, "build/bench/snapshot-probe"))
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--intervals", type=int, default=8)
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("collectors.py: must run as root (the eBPF probe loads programs)")
    if not os.access(arguments.probe, os.X_OK):
        sys.exit(f"collectors.py: {arguments.probe} not found (meson configure -Dbench=enabled)")
    sizes = [int(size) for size in arguments.sizes.split(",")]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    per_child = max(1, (hard - 64) // 2)

    results = {}
    for connections in sizes:
        holders = Holders(connections, per_child)
        try:
            for collector in COLLECTORS:
                log(f"{connections} connections: {collector}")
                results[(connections, collector)] = measure(
                    arguments.probe, collector, arguments.interval, arguments.intervals,
                    2 * connections)
        finally:
            holders.release()

    uname = os.uname()
    print("### Snapshot cost: eBPF vs sock_diag")
    print()
    print(f"- date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"- kernel: {uname.sysname} {uname.release} {uname.machine}, {os.cpu_count()} CPUs")
    print(f"- command: `bench/collectors.py --sizes {arguments.sizes} --interval "
          f"{arguments.interval} --intervals {arguments.intervals}`")
    print()
    print("| sockets | collector | CPU per snapshot (ms) | wall (ms) | first snapshots, worst "
          "CPU / wall (ms) | sock_diag / eBPF (CPU) |")
    print("|---:|---|---:|---:|---:|---:|")
    for connections in sizes:
        ebpf = results[(connections, "ebpf")]
        for collector in COLLECTORS:
            r = results[(connections, collector)]
            ratio = f"{r['cpu_ms'] / ebpf['cpu_ms']:.2f}" if collector == "sock_diag" else "1.00"
            print(f"| {r['tracked']:,.0f} | {collector} | {r['cpu_ms']:.1f} | {r['wall_ms']:.1f} | "
                  f"{r['learn_cpu_ms']:.1f} / {r['learn_wall_ms']:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
