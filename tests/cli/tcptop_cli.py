# SPDX-License-Identifier: MIT
# Shared by the tcptop CLI tests: the privilege rule, traffic with named processes, a running tcptop.
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import traceback

# The exact set of members the JSON Lines output promises (tcptop(1)).
RECORD_FIELDS = {
    "protocol", "family", "local_addr", "local_port", "remote_addr", "remote_port",
    "netns", "pid", "comm", "cgroup_id", "state", "role", "bytes_sent", "bytes_received",
    "packets_sent", "packets_received", "bytes_sent_per_sec", "bytes_received_per_sec",
    "srtt_us", "retransmits", "start_time_ns", "closed", "close_time_ns", "socket_cookie",
    "workload",
}
WORKLOAD_FIELDS = {"cgroup_path", "container_id", "container_runtime", "systemd_unit"}
STATS_FIELDS = {"events", "events_dropped", "connections_tracked", "connections_evicted",
                "snapshots_coalesced", "udp_datagrams_untracked", "udp_datagrams_unparsed",
                "collection_ns", "program_runs_missed", "connections_unseen"}
SNAPSHOT_FIELDS = {"timestamp_ns", "interval_ns", "connections", "stats"}


def require_bpf():
    """Exit 77 (skipped) without root, or 1 when TCPTOP_REQUIRE_BPF=1 forbids skipping."""
    if os.geteuid() == 0:
        return
    if os.environ.get("TCPTOP_REQUIRE_BPF") == "1":
        print("FAIL: this test loads eBPF programs and needs root; "
              "TCPTOP_REQUIRE_BPF=1 forbids skipping it", file=sys.stderr)
        sys.exit(1)
    print("SKIP: this test loads eBPF programs and needs root", file=sys.stderr)
    sys.exit(77)


def scaled(seconds):
    """seconds stretched by TCPTOP_TEST_TIME_SCALE (at least 1), for how long
    a test waits on a slow machine such as an emulated kernel."""
    try:
        factor = float(os.environ.get("TCPTOP_TEST_TIME_SCALE", "1"))
    except ValueError:
        factor = 1.0
    return seconds * max(factor, 1.0)


def run_tests(namespace):
    """Run every test_* function of namespace in order; exit 1 if any failed."""
    tests = [(name, f) for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    failed = 0
    for name, test in tests:
        started = time.monotonic()
        try:
            test()
        except Exception:
            failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
            continue
        print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
    print(f"{len(tests) - failed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


def set_comm(name: bytes):
    """Set the calling process's name (comm) to name, byte for byte (prctl PR_SET_NAME)."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NAME = 15
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def receive_exactly(sock, length):
    left = length
    while left:
        chunk = sock.recv(min(left, 65536))
        if not chunk:
            raise ConnectionError(f"peer closed with {left} of {length} bytes unread")
        left -= len(chunk)


class LineReader:
    """Lines from a file descriptor, with a deadline on each."""

    def __init__(self, fd, what):
        self.fd = fd
        self.what = what
        self.pending = b""

    def next(self, timeout):
        """The next line without its newline; None at the end of the input."""
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError(f"{self.what}: nothing within {timeout} s")
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line


class Child:
    """A forked process with its own name, talking to the test through two pipes:
    the child report()s numbers, the test lets it go on with proceed()."""

    def __init__(self, comm: bytes, body):
        report_r, report_w = os.pipe()
        proceed_r, proceed_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            status = 1
            try:
                os.close(report_r)
                os.close(proceed_w)
                self._report_fd, self._proceed_fd = report_w, proceed_r
                set_comm(comm)
                body(self)
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        os.close(report_w)
        os.close(proceed_r)
        self._report_fd, self._proceed_fd = report_r, proceed_w
        self._reports = LineReader(report_r, f"child {self.pid}")
        self._reaped = False

    # In the child.
    def report(self, value):
        os.write(self._report_fd, f"{value}\n".encode())

    def wait_proceed(self):
        if os.read(self._proceed_fd, 1) != b"g":
            raise SystemExit("the test went away")

    # In the test.
    def next_report(self, timeout=20.0):
        line = self._reports.next(timeout)
        if line is None:
            raise RuntimeError(f"child {self.pid} ended without reporting")
        return int(line)

    def proceed(self):
        os.write(self._proceed_fd, b"g")

    def wait_exit(self, timeout=20.0):
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._reaped = True
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.02)
        raise TimeoutError(f"child {self.pid} did not exit")

    def kill(self):
        if not self._reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._reaped = True
        for fd in (self._report_fd, self._proceed_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def family_of(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


class TcpExchange:
    """A server process accepts one connection per (request, reply) pair in
    exchanges, reads request bytes and answers reply bytes; one client process
    per pair connects when start() says so, sends and reads. Every socket stays
    open until close(). Ports and pids are known once start() returns."""

    def __init__(self, exchanges=((123456, 7890),), address="127.0.0.1",
                 server_comm=b"cli-server", client_comms=None):
        self.address = address
        self.exchanges = list(exchanges)
        comms = client_comms or [f"cli-client{i}".encode() for i in range(len(self.exchanges))]
        self.server = Child(server_comm, self._serve)
        self.port = self.server.next_report()
        self.clients = [Child(comm, self._client_body(request, reply))
                        for comm, (request, reply) in zip(comms, self.exchanges)]
        self.client_ports = []

    def _serve(self, me):
        listener = socket.socket(family_of(self.address), socket.SOCK_STREAM)
        listener.bind((self.address, 0))
        listener.listen(16)
        me.report(listener.getsockname()[1])
        accepted = []
        for request, reply in self.exchanges:
            connection, _ = listener.accept()
            receive_exactly(connection, request)
            connection.sendall(b"r" * reply)
            accepted.append(connection)
            me.report(1)
        me.wait_proceed()
        for connection in accepted:
            connection.close()

    def _client_body(self, request, reply):
        def body(me):
            me.wait_proceed()
            connection = socket.socket(family_of(self.address), socket.SOCK_STREAM)
            connection.connect((self.address, self.port))
            me.report(connection.getsockname()[1])
            connection.sendall(b"q" * request)
            receive_exactly(connection, reply)
            me.report(1)
            me.wait_proceed()
            connection.close()
        return body

    def start(self):
        """Run the exchanges one after the other; return when all are done."""
        for client in self.clients:
            client.proceed()
            self.client_ports.append(client.next_report())
            client.next_report()
            self.server.next_report()

    def close(self):
        for client in self.clients:
            client.proceed()
        self.server.proceed()
        for child in [self.server] + self.clients:
            if child.wait_exit() != 0:
                raise RuntimeError(f"traffic process {child.pid} failed")

    def kill(self):
        for child in [self.server] + self.clients:
            child.kill()


class UdpExchange:
    """A receiver process reads one datagram of size bytes, from a sender
    process that sends it when start() says so. Both keep their socket open
    until close()."""

    def __init__(self, size=1000, address="127.0.0.1"):
        self.size = size
        self.address = address
        self.receiver = Child(b"cli-udp-recv", self._receive)
        self.port = self.receiver.next_report()
        self.sender = Child(b"cli-udp-send", self._send)

    def _receive(self, me):
        sock = socket.socket(family_of(self.address), socket.SOCK_DGRAM)
        sock.bind((self.address, 0))
        me.report(sock.getsockname()[1])
        sock.recv(65536)
        me.report(1)
        me.wait_proceed()
        sock.close()

    def _send(self, me):
        me.wait_proceed()
        sock = socket.socket(family_of(self.address), socket.SOCK_DGRAM)
        sock.sendto(b"u" * self.size, (self.address, self.port))
        me.report(1)
        me.wait_proceed()
        sock.close()

    def start(self):
        self.sender.proceed()
        self.sender.next_report()
        self.receiver.next_report()

    def close(self):
        for child in (self.sender, self.receiver):
            child.proceed()
            if child.wait_exit() != 0:
                raise RuntimeError(f"traffic process {child.pid} failed")

    def kill(self):
        self.sender.kill()
        self.receiver.kill()


class Tcptop:
    """tcptop running with its output on a pipe, read line by line."""

    def __init__(self, command, env=None):
        self.command = command
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=env)
        self._output = LineReader(self.process.stdout.fileno(), " ".join(command))
        self.lines = []

    def next_line(self, timeout=15.0):
        """The next line of output (bytes, without the newline); None at the end."""
        line = self._output.next(timeout)
        if line is not None:
            self.lines.append(line)
        return line

    def next_snapshot(self, timeout=15.0):
        """The next JSON line, parsed and checked against the promised shape."""
        line = self.next_line(timeout)
        if line is None:
            raise RuntimeError(f"{self.command} ended early: {self.stderr_text()}")
        return parse_snapshot(line)

    def snapshots_until(self, predicate, timeout=20.0):
        """Snapshots until one satisfies predicate; all of them, that one last."""
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no snapshot as expected within {timeout} s; last: "
                                   f"{seen[-1] if seen else None}")
            # next_snapshot() stretches its timeout again: hand it the unstretched rest.
            seen.append(self.next_snapshot(left / scaled(1.0)))
            if predicate(seen[-1]):
                return seen

    def stop(self, timeout=10.0):
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout=20.0):
        try:
            return self.process.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def rest(self):
        """All output still unread once the process has ended."""
        rest = self._output.pending + self.process.stdout.read()
        self._output.pending = b""
        return rest

    def stderr_text(self):
        if self.process.poll() is None:
            return "(still running)"
        return self.process.stderr.read().decode(errors="replace")

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def parse_snapshot(line: bytes):
    """json.loads in strict mode (no raw control characters), plus the shape."""
    if any(byte >= 0x80 for byte in line):
        raise AssertionError(f"non-ASCII byte in a JSON line: {line!r}")
    snapshot = json.loads(line.decode("ascii"))
    assert set(snapshot) == SNAPSHOT_FIELDS, f"snapshot members: {sorted(snapshot)}"
    assert set(snapshot["stats"]) == STATS_FIELDS, f"stats members: {sorted(snapshot['stats'])}"
    for record in snapshot["connections"]:
        assert set(record) == RECORD_FIELDS, f"record members: {sorted(record)}"
        assert isinstance(record["closed"], bool)
        assert set(record["workload"]) == WORKLOAD_FIELDS, f"workload members: {record['workload']}"
        assert all(isinstance(value, str) for value in record["workload"].values())
        for name in RECORD_FIELDS - {"protocol", "family", "local_addr", "remote_addr", "comm",
                                     "state", "role", "closed", "workload"}:
            assert isinstance(record[name], (int, float)) and not isinstance(record[name], bool), \
                f"{name} is not a number: {record[name]!r}"
    return snapshot


def on_port(snapshot, port, protocol="tcp"):
    return [r for r in snapshot["connections"]
            if r["protocol"] == protocol and port in (r["local_port"], r["remote_port"])]


def end_of(records, local_port):
    """The record whose local port is local_port, or None."""
    found = [r for r in records if r["local_port"] == local_port]
    assert len(found) <= 1, f"two records with local port {local_port}: {found}"
    return found[0] if found else None


def binary():
    """The tcptop binary: the first argument meson passes."""
    return sys.argv[1]
