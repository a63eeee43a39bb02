#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Short TCP connections at 10,000 per second: what libtcptop costs, and whether every one adds up.

Usage (root): bench/churn.py [--probe build/bench/snapshot-probe] [--churn build/bench/tcp-churn]
              [--rate 10000] [--seconds 20] [--bytes 100] [--rounds 3] [--rate-seconds 5]

Two measurements, both with tcp-churn (connect, BYTES each way, close) on
loopback and snapshot-probe (the eBPF collector, TCP and UDP, embedded in a
small process):

1. Connection rate: tcp-churn as fast as it goes for RATE_SECONDS, with no
   monitor and with the probe, ROUNDS interleaved rounds; the median rate of
   each and their ratio.
2. Cost and exactness at RATE connections per second for SECONDS: the BPF
   programs' run time (kernel.bpf_stats_enabled, run_time_ns of the
   programs the probe loaded, as bpftool lists them) plus the CPU time of
   the collector's thread (tcptop-collect), as a share of one core, and the
   whole probe process's CPU time besides; and the probe's count of the
   closed connections on the churn port: each must appear once per end,
   closed, with exactly BYTES each way, and nothing may be dropped.

Prints the report as Markdown; progress goes to stderr.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHURN_PORT = 5400


def log(message):
    print(f"churn.py: {message}", file=sys.stderr, flush=True)


def bpf_programs():
    """id -> (name, run_time_ns, run_cnt) of every loaded BPF program."""
    listing = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], check=True,
                                        stdout=subprocess.PIPE).stdout or b"[]")
    return {p["id"]: (p.get("name", "?"), p.get("run_time_ns", 0), p.get("run_cnt", 0))
            for p in listing}


def process_cpu_seconds(pid):
    """utime + stime of PID, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def collector_cpu_seconds(pid):
    """Time on CPU of PID's thread named tcptop-collect (the collector's), in seconds."""
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/comm") as comm:
            if comm.read().strip() == "tcptop-collect":
                with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                    return int(schedstat.read().split()[0]) / 1e9
    sys.exit("churn.py: the probe has no thread named tcptop-collect")


class Probe:
    """snapshot-probe started and stopped around a run."""

    def __init__(self, path, extra=()):
        self.programs_before = set(bpf_programs())
        self.process = subprocess.Popen([path, "--interval", "1", *extra],
                                        stdout=subprocess.PIPE, text=True)
        # The first snapshot line means everything is attached.
        first = self.process.stdout.readline()
        if not first:
            sys.exit(f"churn.py: snapshot-probe exited ({self.process.wait()})")
        self.programs = set(bpf_programs()) - self.programs_before

    def stop(self):
        """Stop it; its summary line."""
        self.process.terminate()
        summary = None
        for line in self.process.stdout:
            record = json.loads(line)
            if record.get("summary"):
                summary = record
        self.process.wait(timeout=30)
        if summary is None:
            sys.exit("churn.py: snapshot-probe printed no summary")
        return summary


def run_churn(path, rate, seconds, size):
    """tcp-churn's result; it exits 1, still reporting, when a connection failed."""
    run = subprocess.run([path, "--rate", str(rate), "--seconds", str(seconds),
                          "--bytes", str(size), "--port", str(CHURN_PORT)],
                         stdout=subprocess.PIPE, text=True)
    lines = run.stdout.strip().splitlines()
    if run.returncode not in (0, 1) or not lines:
        sys.exit(f"churn.py: tcp-churn failed (exit status {run.returncode})")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", default=os.path.join(REPO, "build/bench/snapshot-probe"))
    parser.add_argument("--churn", default=os.path.join(REPO, "build/bench/tcp-churn"))
    parser.add_argument("--rate", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--bytes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate-seconds", type=float, default=5)
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("churn.py: must run as root (the probe loads eBPF programs)")
    for tool in (arguments.probe, arguments.churn):
        if not os.access(tool, os.X_OK):
            sys.exit(f"churn.py: {tool} not found (meson configure -Dbench=enabled)")

    # 1. The rate, side by side.
    rates = {"none": [], "libtcptop": []}
    for round_number in range(arguments.rounds):
        order = ["none", "libtcptop"] if round_number % 2 == 0 else ["libtcptop", "none"]
        for arm in order:
            probe = Probe(arguments.probe) if arm == "libtcptop" else None
            result = run_churn(arguments.churn, 0, arguments.rate_seconds, arguments.bytes)
            if probe:
                probe.stop()
            if result["failed"]:
                sys.exit(f"churn.py: {result['failed']} connections failed: {result}")
            rates[arm].append(result["rate_per_s"])
            log(f"round {round_number + 1}/{arguments.rounds} {arm}: "
                f"{result['rate_per_s']:.0f} connections/s")
            time.sleep(1)
    rate_none = statistics.median(rates["none"])
    rate_monitored = statistics.median(rates["libtcptop"])

    # 2. The cost at the target rate, and the count.
    stats_before = open("/proc/sys/kernel/bpf_stats_enabled").read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as knob:
        knob.write("1")
    try:
        probe = Probe(arguments.probe, ["--verify-port", str(CHURN_PORT),
                                        "--bytes", str(arguments.bytes)])
        programs_start = bpf_programs()
        cpu_start = process_cpu_seconds(probe.process.pid)
        collector_start = collector_cpu_seconds(probe.process.pid)
        started = time.perf_counter()
        result = run_churn(arguments.churn, arguments.rate, arguments.seconds, arguments.bytes)
        elapsed = time.perf_counter() - started
        cpu_probe = process_cpu_seconds(probe.process.pid) - cpu_start
        cpu_collector = collector_cpu_seconds(probe.process.pid) - collector_start
        programs_end = bpf_programs()
        # The last closes reach a snapshot within two intervals.
        time.sleep(2.5)
        summary = probe.stop()
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as knob:
            knob.write(stats_before)

    bpf_ns = {}
    for prog in probe.programs:
        if prog in programs_start and prog in programs_end:
            name, end_ns, end_cnt = programs_end[prog]
            _, start_ns, start_cnt = programs_start[prog]
            bpf_ns[name] = (end_ns - start_ns, end_cnt - start_cnt)
    bpf_seconds = sum(ns for ns, _ in bpf_ns.values()) / 1e9
    share = (bpf_seconds + cpu_collector) / elapsed
    expected_closes = 2 * result["completed"]
    exact = (summary["closed"] == expected_closes and summary["wrong_bytes"] == 0 and
             summary["closed_twice"] == 0 and summary["events_dropped"] == 0)

    uname = os.uname()
    print(f"### {arguments.rate:,} short TCP connections per second")
    print()
    print(f"- date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"- kernel: {uname.sysname} {uname.release} {uname.machine}, {os.cpu_count()} CPUs")
    print(f"- command: `bench/churn.py --rate {arguments.rate} --seconds {arguments.seconds:g} "
          f"--bytes {arguments.bytes} --rounds {arguments.rounds} "
          f"--rate-seconds {arguments.rate_seconds:g}`")
    print(f"- each connection: connect, {arguments.bytes} bytes each way, close (tcp-churn on "
          f"loopback); libtcptop: snapshot-probe, TCP and UDP, 1 s interval")
    print()
    print("| | no monitor | libtcptop | ratio (goal >= 0.97) |")
    print("|---|---:|---:|---:|")
    print(f"| connections/s, unpaced (median of {arguments.rounds}) | {rate_none:.0f} | "
          f"{rate_monitored:.0f} | {rate_monitored / rate_none:.3f} |")
    print()
    print(f"At {result['rate_per_s']:.0f} connections/s for {elapsed:.1f} s "
          f"({result['completed']} connections, {result['failed']} failed):")
    print()
    print(f"- BPF run time {bpf_seconds * 1e3:.0f} ms + collector thread CPU "
          f"{cpu_collector * 1e3:.0f} ms = {share * 100:.2f}% of one core (goal: at most 5%); the "
          f"whole probe process, with its handler checking every close, used "
          f"{cpu_probe * 1e3:.0f} ms")
    for name, (ns, count) in sorted(bpf_ns.items(), key=lambda item: -item[1][0]):
        if count:
            print(f"  - {name}: {count} runs, {ns / count:.0f} ns each, {ns / 1e6:.1f} ms")
    print(f"- closed connections reported on port {CHURN_PORT}: {summary['closed']} "
          f"(expected {expected_closes}, both ends), with other than {arguments.bytes} bytes "
          f"each way: {summary['wrong_bytes']}, reported twice: {summary['closed_twice']}, "
          f"events dropped: {summary['events_dropped']}: {'exact' if exact else 'NOT EXACT'}")
    print()
    print("Per-round rates (connections/s): " + "; ".join(
        f"{arm}: " + ", ".join(f"{r:.0f}" for r in rates[arm]) for arm in rates))
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
