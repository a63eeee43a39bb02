#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One snapshot of 100,000 TCP sockets, side by side with `ss -tin` listing them.

Usage (root): bench/sockets_at_scale.py [--probe build/bench/snapshot-probe]
              [--connections 50000] [--interval 1] [--intervals 10] [--ss-runs 10]

Runs snapshot-probe (the eBPF collector embedded in a small process, TCP
only) and waits for its snapshots with nothing but the machine's own
sockets: that is the baseline. Then holds CONNECTIONS established loopback
connections (both ends in one process: twice as many sockets, spread
over as many processes as the file limit needs) and reads INTERVALS steady snapshots after the
first ones that learn the new sockets' owners. Between those snapshots it
runs `ss -tin` SS_RUNS times. Prints, as Markdown, per snapshot: the
collector thread's CPU time, the wall time from the interval's tick to the
handler, and the resident memory per tracked socket; per `ss -tin`: its
CPU time (user and system, which includes the kernel's sock_diag dump) and
wall time; and the ratios. Progress goes to stderr.
"""

import argparse
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import threading
import time

from loopback_connections import hold_connections

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(f"sockets_at_scale.py: {message}", file=sys.stderr, flush=True)


class Probe:
    """snapshot-probe in the background; its JSON lines arrive on a queue."""

    def __init__(self, path, interval, max_connections, collector="ebpf"):
        self.process = subprocess.Popen([path, "--tcp", "--interval", str(interval),
                                         "--max-connections", str(max_connections),
                                         "--collector", collector],
                                        stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def next_snapshot(self, timeout=60):
        snapshot = self.lines.get(timeout=timeout)
        if snapshot is None:
            sys.exit(f"sockets_at_scale.py: snapshot-probe exited ({self.process.wait()})")
        return snapshot

    def learn(self, wanted, limit=30):
        """Snapshots until WANTED sockets are tracked, at least three: the
        first of them pay for the owner walk (BPF iterator or /proc scan)."""
        learning = []
        while True:
            snapshot = self.next_snapshot()
            learning.append(snapshot)
            if snapshot["tracked"] >= wanted and len(learning) >= 3:
                return learning
            if len(learning) > limit:
                sys.exit(f"{os.path.basename(sys.argv[0])}: {snapshot['tracked']} sockets "
                         f"tracked after {len(learning)} snapshots, {wanted} expected")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Holders:
    """Child processes holding COUNT connections between them, at most
    PER_CHILD each: the file limit is per process, and raising its hard
    limit needs CAP_SYS_RESOURCE, which not every root has."""

    def __init__(self, count, per_child):
        stop_read, self.stop_write = os.pipe()
        self.pids = []
        for first in range(0, count, per_child):
            ready_read, ready_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(self.stop_write)
                os.close(ready_read)
                _held = hold_connections(min(per_child, count - first))
                os.write(ready_write, b"1")
                os.read(stop_read, 1)  # returns when the parent closes its end
                os._exit(0)
            os.close(ready_write)
            if os.read(ready_read, 1) != b"1":
                sys.exit("sockets_at_scale.py: a child could not open its connections")
            os.close(ready_read)
            self.pids.append(pid)
        os.close(stop_read)

    def release(self):
        os.close(self.stop_write)
        for pid in self.pids:
            os.waitpid(pid, 0)


def run_ss():
    """CPU seconds (user + system) and wall seconds of one `ss -tin`, and its lines."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    listing = subprocess.run(["ss", "-tin"], stdout=subprocess.PIPE, check=True).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, listing.count(b"\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", default=os.path.join(REPO, "build/bench/snapshot-probe"))
    parser.add_argument("--connections", type=int, default=50000)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--intervals", type=int, default=10)
    parser.add_argument("--ss-runs", type=int, default=10)
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("sockets_at_scale.py: must run as root (the probe loads eBPF programs)")
    if not os.access(arguments.probe, os.X_OK):
        sys.exit(f"sockets_at_scale.py: {arguments.probe} not found (meson configure -Dbench=enabled)")

    # Two sockets per connection, and room for the interpreter's own files.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    per_child = max(1, (hard - 64) // 2)

    # Room for every socket: the default cap (65,536) would evict some.
    probe = Probe(arguments.probe, arguments.interval, 2 * arguments.connections + 65536)
    try:
        for _ in range(3):
            baseline = probe.next_snapshot()
        log(f"baseline: {baseline['tracked']} sockets, {baseline['rss_kib']} KiB resident")

        started = time.perf_counter()
        holders = Holders(arguments.connections, per_child)
        log(f"{arguments.connections} connections open in {len(holders.pids)} processes "
            f"in {time.perf_counter() - started:.1f} s")

        learning = probe.learn(baseline["tracked"] + 2 * arguments.connections)
        log(f"{len(learning)} snapshots to learn them; now {learning[-1]['tracked']} tracked")

        steady, ss_runs = [], []
        for index in range(arguments.intervals):
            steady.append(probe.next_snapshot())
            if index < arguments.ss_runs:
                ss_runs.append(run_ss())
        while len(ss_runs) < arguments.ss_runs:
            ss_runs.append(run_ss())
        holders.release()
    finally:
        probe.stop()

    sockets = statistics.median(s["tracked"] for s in steady)
    cpu_ms = statistics.median(s["collector_cpu_ns"] for s in steady) / 1e6
    wall_ms = statistics.median(s["tick_to_handler_ns"] for s in steady) / 1e6
    collection_ms = statistics.median(s["collection_ns"] for s in steady) / 1e6
    rss_kib = statistics.median(s["rss_kib"] for s in steady)
    per_socket = (rss_kib - baseline["rss_kib"]) * 1024 / max(sockets - baseline["tracked"], 1)
    learn_cpu_ms = max(s["collector_cpu_ns"] for s in learning) / 1e6
    learn_wall_ms = max(s["tick_to_handler_ns"] for s in learning) / 1e6
    ss_cpu_ms = statistics.median(r[0] for r in ss_runs) * 1e3
    ss_wall_ms = statistics.median(r[1] for r in ss_runs) * 1e3
    ss_lines = statistics.median(r[2] for r in ss_runs)

    uname = os.uname()
    print(f"### One snapshot of {2 * arguments.connections:,} sockets vs `ss -tin`")
    print()
    print(f"- date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"- kernel: {uname.sysname} {uname.release} {uname.machine}, {os.cpu_count()} CPUs")
    print(f"- command: `bench/sockets_at_scale.py --connections {arguments.connections} "
          f"--interval {arguments.interval} --intervals {arguments.intervals} "
          f"--ss-runs {arguments.ss_runs}`")
    print(f"- {arguments.connections} loopback connections (both ends: {2 * arguments.connections} "
          f"sockets) plus the machine's own; medians of {len(steady)} snapshots and "
          f"{len(ss_runs)} `ss -tin` runs ({ss_lines:.0f} lines each)")
    print()
    print("| | CPU (ms) | wall (ms) | vs `ss -tin` (CPU / wall) |")
    print("|---|---:|---:|---:|")
    print(f"| `ss -tin` | {ss_cpu_ms:.1f} | {ss_wall_ms:.1f} | 1.000 / 1.000 |")
    print(f"| libtcptop snapshot, steady | {cpu_ms:.1f} | {wall_ms:.1f} | "
          f"{cpu_ms / ss_cpu_ms:.3f} / {wall_ms / ss_wall_ms:.3f} |")
    print(f"| libtcptop snapshot, learning owners (worst) | {learn_cpu_ms:.1f} | {learn_wall_ms:.1f} | "
          f"{learn_cpu_ms / ss_cpu_ms:.3f} / {learn_wall_ms / ss_wall_ms:.3f} |")
    print()
    print(f"- libtcptop: CPU of the collector thread per interval (walk, table, copy, and reading "
          f"events between ticks); wall from the tick to the handler, of which "
          f"{collection_ms:.1f} ms making the snapshot")
    print(f"- tracked sockets: {sockets:.0f}; resident memory {rss_kib / 1024:.1f} MiB, "
          f"{baseline['rss_kib'] / 1024:.1f} MiB before: {per_socket:.0f} bytes per tracked socket "
          f"(goal: under 1 KiB)")


if __name__ == "__main__":
    main()
