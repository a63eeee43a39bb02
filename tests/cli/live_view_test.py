#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The live view driven as a person would, in tmux: a known connection shown, s re-sorts, p pauses, q/Ctrl-C/SIGTERM exit 0 and leave the terminal sane.
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import TcpExchange, binary, require_bpf, run_tests  # noqa: E402

WIDTH, HEIGHT = 200, 40
# Client "big-tx" sends much and receives little, "big-rx" the reverse.
EXCHANGES = [(300000, 100), (1000, 200000)]

workdir = tempfile.mkdtemp(prefix="tcptop-live-")


class Tmux:
    """A private tmux server with one pane running a plain bash."""

    count = 0

    def __init__(self):
        # A socket of its own: kill-server returns before the old server is
        # gone, and a new session on its socket would reach the dying one.
        Tmux.count += 1
        self.socket = os.path.join(workdir, f"tmux{Tmux.count}.sock")
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT),
                  "-s", "live", "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=screen "
                  "PS1='$ ' bash --norc --noprofile")
        self.wait_for(lambda lines: lines and lines[0].startswith("$"))

    def tmux(self, *args):
        result = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True,
                                text=True, timeout=10)
        if result.returncode != 0:
            raise RuntimeError(f"tmux {args}: {result.stderr}")
        return result.stdout

    def type(self, text):
        self.tmux("send-keys", "-t", "live", "-l", text)
        self.tmux("send-keys", "-t", "live", "Enter")

    def key(self, key):
        self.tmux("send-keys", "-t", "live", key)

    def lines(self):
        return self.tmux("capture-pane", "-p", "-t", "live").rstrip("\n").split("\n")

    def show(self, variable):
        return self.tmux("display-message", "-p", "-t", "live", "#{" + variable + "}").strip()

    def wait_for(self, predicate, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines()
            if predicate(lines):
                return lines
            if time.monotonic() > deadline:
                raise TimeoutError("the pane never showed what was expected:\n" + "\n".join(lines))
            time.sleep(0.1)

    def run_shell(self, command, marker):
        """Run command in the pane's shell and wait for it; its output."""
        path = os.path.join(workdir, marker)
        self.type(f"{command} > {path} 2>&1; echo {marker}-done")
        self.wait_for(lambda lines: any(line == f"{marker}-done" for line in lines))
        with open(path) as out:
            return out.read()

    def kill(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


def rows(lines):
    """The table rows below the headings, split into columns."""
    for i, line in enumerate(lines):
        if line.split()[:2] == ["PID", "COMM"]:
            return [row.split() for row in lines[i + 1:] if row.strip()]
    return []


def sorted_by(lines, key):
    return any(f"sort: {key}" in line for line in lines[:1])


class LiveRun:
    """tcptop started in the pane; checks the terminal before and after."""

    count = 0

    def __init__(self, pane, port):
        LiveRun.count += 1
        self.pane = pane
        self.marker = f"EXIT{LiveRun.count}"
        self.settings = pane.run_shell("stty -g", f"before{LiveRun.count}")
        pane.type("clear")
        pane.type(f"{tcptop} -i 0.3 --port {port}; echo {self.marker}=$?")
        pane.wait_for(lambda lines: sorted_by(lines, "rate"))
        assert pane.show("alternate_on") == "1", "the live view is not on the alternate screen"

    def pid(self):
        shell = int(self.pane.show("pane_pid"))
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                    with open(f"/proc/{entry}/comm") as comm:
                        name = comm.read().strip()
                except OSError:
                    continue
                if int(fields[1]) == shell and name == "tcptop":
                    return int(entry)
        raise RuntimeError("tcptop is not running in the pane")

    def expect_clean_exit(self):
        # The typed command line holds the marker too: wait for the line
        # that echo printed, which starts with it.
        lines = self.pane.wait_for(lambda lines: any(l.startswith(self.marker + "=") for l in lines))
        status = [l for l in lines if l.startswith(self.marker + "=")]
        assert status == [f"{self.marker}=0"], f"exit status line {status}"
        assert self.pane.show("alternate_on") == "0", "still on the alternate screen"
        assert self.pane.show("cursor_flag") == "1", "the cursor is still hidden"
        after = self.pane.run_shell("stty -g", f"after{self.marker}")
        assert after == self.settings, f"terminal settings changed: {self.settings!r} -> {after!r}"
        flags = self.pane.run_shell("stty -a", f"flags{self.marker}").split()
        assert "icanon" in flags and "echo" in flags, "line editing or echo left off"
        # The shell still reads lines and echoes them.
        self.pane.type("echo sane-$((6*7))")
        self.pane.wait_for(lambda lines: "sane-42" in lines)


def test_keys_in_tmux():
    exchange = TcpExchange(exchanges=EXCHANGES, client_comms=[b"big-tx", b"big-rx"])
    pane = Tmux()
    try:
        run = LiveRun(pane, exchange.port)
        exchange.start()
        big_tx = exchange.clients[0]
        tx_port, rx_port = exchange.client_ports

        # The known connection, as a person would read it.
        def shows_big_tx(lines):
            return [str(big_tx.pid), "big-tx", "tcp", f"127.0.0.1:{tx_port}",
                    f"127.0.0.1:{exchange.port}", "ESTABLISHED"] in [r[:6] for r in rows(lines)]
        lines = pane.wait_for(shows_big_tx)
        row = [r for r in rows(lines) if r[:2] == [str(big_tx.pid), "big-tx"]][0]
        assert row[10:14] == ["293", "KiB", "100", "B"], f"totals {row[10:14]}"
        assert len(rows(lines)) == 4, f"expected both ends of two connections: {rows(lines)}"
        assert all(len(line) < WIDTH for line in lines)

        # s cycles through every order, and the rows follow it.
        for key in ["sent", "received", "total", "pid", "age", "rate"]:
            pane.key("s")
            lines = pane.wait_for(lambda lines: sorted_by(lines, key))
            table = rows(lines)
            if key == "total":
                # The 300,100-byte connection's two ends come before the 201,000-byte one's.
                ports = [{r[3], r[4]} for r in table[:2]]
                assert all(f"127.0.0.1:{tx_port}" in p for p in ports), table
            if key == "pid":
                pids = [int(r[0]) for r in table]
                assert pids == sorted(pids) and len(set(pids)) == 3, table
            if key == "age":
                # Oldest first: big-tx connected first.
                assert {table[0][3], table[0][4]} >= {f"127.0.0.1:{tx_port}"}, table

        # p freezes the display while time goes on; p again resumes it.
        pane.key("p")
        frozen = pane.wait_for(lambda lines: "[paused]" in lines[0])
        time.sleep(1.0)
        assert pane.lines() == frozen, "the display changed while paused"
        pane.key("p")
        resumed = pane.wait_for(lambda lines: "[paused]" not in lines[0] and
                                lines[0].split()[0] != frozen[0].split()[0])
        assert rows(resumed), "rows gone after resuming"

        pane.key("q")
        run.expect_clean_exit()
    finally:
        pane.kill()
        exchange.kill()


def test_sized_to_a_narrow_terminal():
    exchange = TcpExchange(exchanges=[(1000, 1000)])
    pane = Tmux()
    try:
        run = LiveRun(pane, exchange.port)
        exchange.start()
        pane.wait_for(lambda lines: len(rows(lines)) == 2)
        pane.tmux("resize-window", "-t", "live", "-x", "60", "-y", "4")
        lines = pane.wait_for(lambda lines: len(lines) == 4 and len(rows(lines)) == 2 and
                              all(len(l) < 60 for l in lines))
        # Addresses cut on the left, marked, so that the port stays visible.
        assert any(re.fullmatch(rf"\+[0-9.]*:{exchange.port}", f)
                   for r in rows(lines) for f in r), lines
        pane.tmux("resize-window", "-t", "live", "-x", "60", "-y", "3")
        pane.wait_for(lambda lines: len(lines) == 3 and len(rows(lines)) == 1)
        pane.key("q")
        run.expect_clean_exit()
    finally:
        pane.kill()
        exchange.kill()


def test_ctrl_c_and_sigterm_exit_0_and_restore_the_terminal():
    exchange = TcpExchange(address="::1")
    pane = Tmux()
    try:
        run = LiveRun(pane, exchange.port)
        exchange.start()
        # IPv6 addresses in brackets.
        pane.wait_for(lambda lines: f"[::1]:{exchange.port}" in [f for r in rows(lines) for f in r])
        pane.key("C-c")
        run.expect_clean_exit()

        run = LiveRun(pane, exchange.port)
        os.kill(run.pid(), 15)
        run.expect_clean_exit()
    finally:
        pane.kill()
        exchange.kill()


if __name__ == "__main__":
    require_bpf()
    if not shutil.which("tmux"):
        print("FAIL: tmux is not installed (scripts/dev.sh installs it)", file=sys.stderr)
        sys.exit(1)
    tcptop = os.path.abspath(binary())
    try:
        run_tests(dict(globals()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
