#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CPU time of the collector itself, two tcptop builds side by side in one run.

Usage (root): bench/collector_cpu.py BASELINE_TCPTOP CANDIDATE_TCPTOP
              [--connections 5000] [--intervals 50] [--interval 0.1] [--rounds 5]

Holds CONNECTIONS established loopback TCP connections (both ends open, so
twice as many sockets), then runs each tcptop for INTERVALS snapshots in
JSON mode, alternating the two in each round, and reads the CPU time (user
and system) each run used. Prints the median CPU time per snapshot of each
and the candidate's ratio to the baseline: for changes to the user-space
side (the walk, the decoder, the table, the snapshot copy), which
bench/overhead.sh cannot see.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys

from loopback_connections import hold_connections


def cpu_seconds(tcptop, intervals, interval):
    """CPU time of one tcptop run of INTERVALS snapshots."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([tcptop, "--json", "--tcp", "--interval", str(interval),
                    "--count", str(intervals)],
                   stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--intervals", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("collector_cpu.py: must run as root (tcptop loads eBPF programs)")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * arguments.connections + 64
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, max(hard, needed)))
    _listener, _pairs = hold_connections(arguments.connections)

    samples = {"baseline": [], "candidate": []}
    for round_number in range(arguments.rounds):
        for arm in ("baseline", "candidate"):
            seconds = cpu_seconds(getattr(arguments, arm), arguments.intervals,
                                  arguments.interval)
            per_snapshot = seconds / arguments.intervals
            samples[arm].append(per_snapshot)
            print(f"collector_cpu.py: round {round_number + 1}/{arguments.rounds} {arm}: "
                  f"{per_snapshot * 1e3:.3f} ms CPU per snapshot", file=sys.stderr)

    baseline = statistics.median(samples["baseline"])
    candidate = statistics.median(samples["candidate"])
    print(f"{2 * arguments.connections} TCP sockets, {arguments.intervals} snapshots "
          f"every {arguments.interval} s, {arguments.rounds} interleaved rounds")
    print("| build | CPU per snapshot (ms) | vs baseline |")
    print("|---|---:|---:|")
    print(f"| baseline | {baseline * 1e3:.3f} | 1.000 |")
    print(f"| candidate | {candidate * 1e3:.3f} | {candidate / baseline:.3f} |")


if __name__ == "__main__":
    main()
