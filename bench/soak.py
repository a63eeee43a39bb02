#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Soak: tcptop for minutes under connection churn, idle sockets, killed owners and deleted namespaces; its memory must stay flat and every close add up.

Usage (root): bench/soak.py [--tcptop build/examples/tcptop/tcptop]
              [--churn build/bench/tcp-churn] [--seconds 600] [--rate 2000]
              [--idle 20000] [--warm-up 60]

What runs, all at once, for SECONDS:
- tcp-churn: RATE connections per second on 127.0.0.1:PORT, 100 bytes each
  way, then closed;
- IDLE established sockets (IDLE / 2 connections) on 127.0.0.1:PORT+1,
  held to the end: every walk of the kernel's sockets reads them;
- every 5 s a process (soak_victim.py) with 10 connections to itself on
  127.0.0.2:PORT, 1,000 bytes each way, killed with SIGKILL while they are
  open;
- every 10 s a network namespace with such a process in it, deleted
  (`ip netns del`) while the process holds it, then the process killed.

The process under test is `tcptop --json --interval 1 --port PORT --tcp`
(the idle sockets are walked, and filtered out). Checked at the end:
- its resident memory (VmRSS, sampled every 5 s) grows by at most 1 MiB
  after WARM_UP seconds;
- the memory of the BPF maps it loaded (bpftool's bytes_memlock) is the
  same at the end as at the start;
- every closed connection on PORT is reported once, closed, with its exact
  byte counts: both ends of each churn connection (100 bytes each way) and
  of each killed process's connections (1,000), in the host namespace and in
  the deleted ones; and delivered + the losses the snapshots counted
  (events_dropped, connections_evicted, program_runs_missed) = the closes
  that happened.

Prints the report as Markdown; exit status 1 when a check fails. Progress
goes to stderr.
"""

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VICTIM = os.path.join(REPO, "bench", "soak_victim.py")
PORT = 5410
CHURN_BYTES = 100
VICTIM_CONNECTIONS = 10
VICTIM_BYTES = 1000
MIB = 1 << 20


def log(message):
    print(f"soak.py: {message}", file=sys.stderr, flush=True)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def bpf_map_memlock():
    """id -> bytes_memlock of every BPF map."""
    listing = json.loads(subprocess.run(["bpftool", "-j", "map", "show"], check=True,
                                        stdout=subprocess.PIPE).stdout or b"[]")
    return {m["id"]: m.get("bytes_memlock", 0) for m in listing}


def host_netns():
    return os.stat("/proc/self/ns/net").st_ino


class IdleSockets:
    """IDLE established sockets on 127.0.0.1:PORT+1, held by child processes until close().

    Children, because RLIMIT_NOFILE's hard limit may be below IDLE and raising it needs
    CAP_SYS_RESOURCE, which containers often drop."""

    def __init__(self, count):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        per_holder = max(2, (hard - 256) // 2 * 2)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", PORT + 1))
        self.listener.listen(4096)
        self.holders = []
        remaining = count
        while remaining > 0:
            share = min(per_holder, remaining)
            self.holders.append(self._spawn_holder(share))
            remaining -= share

    def _spawn_holder(self, share):
        """Forks a child that opens SHARE/2 connection pairs and holds them until its pipe closes."""
        ready_read, ready_write = os.pipe()
        hold_read, hold_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_read)
            os.close(hold_write)
            held = []
            for _ in range(share // 2):
                client = socket.create_connection(("127.0.0.1", PORT + 1))
                server, _ = self.listener.accept()
                held += [client, server]
            os.write(ready_write, b"r")
            os.read(hold_read, 1)
            os._exit(0)
        os.close(ready_write)
        os.close(hold_read)
        if os.read(ready_read, 1) != b"r":
            raise RuntimeError("an idle socket holder failed to open its sockets")
        os.close(ready_read)
        return pid, hold_write

    def close(self):
        # Every write end first: later holders inherited the earlier holders' ends.
        for _, hold_write in self.holders:
            os.close(hold_write)
        for pid, _ in self.holders:
            os.waitpid(pid, 0)
        self.listener.close()


class Victims(threading.Thread):
    """Processes killed with their connections open, some in namespaces deleted first."""

    def __init__(self, until):
        super().__init__(daemon=True)
        self.until = until
        self.host_processes = 0
        self.namespaced_processes = 0
        self.failures = []

    def start_victim(self, prefix, address):
        process = subprocess.Popen(prefix + [sys.executable, VICTIM, address, str(PORT),
                                             str(VICTIM_CONNECTIONS), str(VICTIM_BYTES)],
                                   stdout=subprocess.PIPE, text=True)
        if process.stdout.readline().strip() != "ready":
            self.failures.append(f"a victim at {address} did not get ready ({process.wait()})")
            return None
        return process

    def run(self):
        round_number = 0
        while time.monotonic() < self.until:
            round_number += 1
            victim = self.start_victim([], "127.0.0.2")
            if victim:
                victim.kill()
                victim.wait()
                self.host_processes += 1
            if round_number % 2 == 0:
                name = f"tcptop-soak-{round_number}"
                subprocess.run(["ip", "netns", "add", name], check=True)
                subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
                victim = self.start_victim(["ip", "netns", "exec", name], "127.0.0.1")
                subprocess.run(["ip", "netns", "del", name], check=True)
                if victim:
                    victim.kill()
                    victim.wait()
                    self.namespaced_processes += 1
            time.sleep(5)


class Closes(threading.Thread):
    """Reads tcptop's JSON lines: each closed record on PORT, and the loss counters."""

    LOSSES = ("events_dropped", "connections_evicted", "program_runs_missed")

    def __init__(self, stream, host):
        super().__init__(daemon=True)
        self.stream = stream
        self.host = host
        self.seen = {}          # socket cookie -> times reported closed
        self.expected_bytes = {"churn": 0, "victim": 0, "namespaced": 0}
        self.counts = {"churn": 0, "victim": 0, "namespaced": 0}
        self.wrong_bytes = 0
        self.losses = dict.fromkeys(self.LOSSES, 0)
        self.snapshots = 0

    def kind_of(self, record):
        if record["netns"] != self.host:
            return "namespaced", VICTIM_BYTES
        if "127.0.0.2" in (record["local_addr"], record["remote_addr"]):
            return "victim", VICTIM_BYTES
        return "churn", CHURN_BYTES

    def run(self):
        for line in self.stream:
            snapshot = json.loads(line)
            self.snapshots += 1
            for loss in self.LOSSES:
                self.losses[loss] += snapshot["stats"][loss]
            for record in snapshot["connections"]:
                if not record["closed"]:
                    continue
                cookie = record["socket_cookie"]
                self.seen[cookie] = self.seen.get(cookie, 0) + 1
                if self.seen[cookie] > 1:
                    continue
                kind, size = self.kind_of(record)
                self.counts[kind] += 1
                if record["bytes_sent"] != size or record["bytes_received"] != size:
                    self.wrong_bytes += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tcptop", default=os.path.join(REPO, "build/examples/tcptop/tcptop"))
    parser.add_argument("--churn", default=os.path.join(REPO, "build/bench/tcp-churn"))
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=20000)
    parser.add_argument("--warm-up", type=float, default=60)
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("soak.py: needs root (it loads eBPF programs and makes network namespaces)")

    log(f"opening {arguments.idle} idle sockets")
    idle = IdleSockets(arguments.idle)
    maps_before = bpf_map_memlock()
    monitor = subprocess.Popen([arguments.tcptop, "--json", "--interval", "1", "--tcp",
                                "--port", str(PORT)], stdout=subprocess.PIPE, text=True)
    closes = Closes(monitor.stdout, host_netns())
    first = monitor.stdout.readline()
    if not first:
        sys.exit(f"soak.py: tcptop exited ({monitor.wait()})")
    closes.start()
    our_maps = {i: b for i, b in bpf_map_memlock().items() if i not in maps_before}
    map_memory_start = sum(our_maps.values())

    started = time.monotonic()
    log(f"running {arguments.seconds:.0f} s: {arguments.rate} connections/s, "
        f"{arguments.idle} idle sockets, killed owners, deleted namespaces")
    churn = subprocess.Popen([arguments.churn, "--rate", str(arguments.rate), "--seconds",
                              str(arguments.seconds), "--bytes", str(CHURN_BYTES), "--port",
                              str(PORT)], stdout=subprocess.PIPE, text=True)
    victims = Victims(started + arguments.seconds - 10)
    victims.start()

    rss = []    # (seconds since start, bytes)
    while churn.poll() is None:
        rss.append((time.monotonic() - started, rss_bytes(monitor.pid)))
        time.sleep(5)
    churned = json.loads(churn.stdout.read())
    victims.join()
    # Two more intervals: the last closes reach a snapshot.
    time.sleep(3)
    rss.append((time.monotonic() - started, rss_bytes(monitor.pid)))
    now_maps = bpf_map_memlock()
    map_memory_end = sum(now_maps.get(i, 0) for i in our_maps)
    monitor.send_signal(signal.SIGINT)
    monitor.wait(timeout=30)
    closes.join(timeout=30)
    idle.close()

    warm = [b for t, b in rss if t >= arguments.warm_up]
    growth = max(warm) - warm[0] if warm else 0
    expected = {
        "churn": 2 * churned["completed"],
        "victim": 2 * VICTIM_CONNECTIONS * victims.host_processes,
        "namespaced": 2 * VICTIM_CONNECTIONS * victims.namespaced_processes,
    }
    twice = sum(1 for times in closes.seen.values() if times > 1)
    lost = sum(closes.losses.values())
    delivered = sum(closes.counts.values())
    checks = {
        f"RSS growth after {arguments.warm_up:.0f} s at most 1 MiB": growth <= MIB,
        "BPF map memory constant": map_memory_start == map_memory_end,
        "no close reported twice, none with wrong byte counts": twice == 0 and closes.wrong_bytes == 0,
        "delivered + counted losses = closes that happened":
            delivered + lost == sum(expected.values()) and delivered <= sum(expected.values()),
        "nothing failed on the way": not victims.failures and churned["failed"] == 0,
    }

    print(f"### Soak ({arguments.seconds:.0f} s)\n")
    print(f"- churn: {churned['completed']} connections at {churned['rate_per_s']:.0f}/s "
          f"(asked {arguments.rate}), {churned['failed']} failed; {arguments.idle} idle sockets; "
          f"{victims.host_processes} processes killed with {VICTIM_CONNECTIONS} connections open, "
          f"{victims.namespaced_processes} more in namespaces deleted under them")
    print(f"- tcptop RSS: {rss[0][1] / MIB:.1f} MiB at start, {warm[0] / MIB:.1f} MiB after "
          f"warm-up, {max(warm) / MIB:.1f} MiB at most, {rss[-1][1] / MIB:.1f} MiB at the end: "
          f"growth {growth / 1024:.0f} KiB")
    print(f"- BPF maps: {len(our_maps)}, {map_memory_start / MIB:.1f} MiB at start, "
          f"{map_memory_end / MIB:.1f} MiB at the end")
    print(f"- closes reported / expected: churn {closes.counts['churn']} / {expected['churn']}, "
          f"killed {closes.counts['victim']} / {expected['victim']}, in deleted namespaces "
          f"{closes.counts['namespaced']} / {expected['namespaced']}; twice {twice}, wrong bytes "
          f"{closes.wrong_bytes}; losses counted: "
          + ", ".join(f"{k} {v}" for k, v in closes.losses.items())
          + f"; {closes.snapshots} snapshots")
    for failure in victims.failures[:5]:
        print(f"- failure: {failure}")
    print()
    for name, passed in checks.items():
        print(f"- {'pass' if passed else 'FAIL'}: {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
