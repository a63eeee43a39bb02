#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop as an unprivileged user (exit 77, naming what is missing), and as a non-root user with only the documented capabilities (works).
import ctypes
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import (Child, Tcptop, TcpExchange, UdpExchange, end_of, on_port,  # noqa: E402
                        receive_exactly, require_bpf, run_tests)

NOBODY = 65534
CAPABILITY_BITS = {"net_admin": 12, "perfmon": 38, "bpf": 39}
WITH_UDP = ["bpf", "perfmon", "net_admin"]
TCP_ONLY = ["bpf", "perfmon"]

# The binary and its library, copied where uid 65534 may read them: the
# build tree may sit in a directory that only root can enter.
staging = tempfile.mkdtemp(prefix="tcptop-privileges-")


def library_soname(library):
    """The SONAME recorded in the library, as the binary's loader asks for it."""
    dynamic = subprocess.run(["readelf", "-d", library], capture_output=True, text=True,
                             check=True).stdout
    found = re.search(r"\(SONAME\)\s+Library soname: \[([^]]+)\]", dynamic)
    if not found:
        sys.exit(f"privileges_test.py: no SONAME in {library}")
    return found.group(1)


def stage():
    binary, library = sys.argv[1], sys.argv[2]
    os.chmod(staging, 0o755)
    for path in (binary, library):
        shutil.copy2(path, staging)
    # The soname the binary asks for, next to the file meson built.
    soname = library_soname(library)
    if not os.path.exists(os.path.join(staging, soname)):
        os.symlink(os.path.basename(library), os.path.join(staging, soname))
    return os.path.join(staging, os.path.basename(binary))


def as_nobody(capabilities, *args):
    """tcptop as uid/gid 65534 with no groups, holding exactly capabilities.
    RLIMIT_MEMLOCK is 0 too: it shows that CAP_SYS_RESOURCE (to raise it) is
    not needed, the kernel charging BPF memory to the memory cgroup."""
    command = ["prlimit", "--memlock=0:0", "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    if capabilities:
        listed = ",".join("+" + c for c in capabilities)
        command += [f"--inh-caps={listed}", f"--ambient-caps={listed}"]
    env = dict(os.environ, LD_LIBRARY_PATH=staging)
    return Tcptop(command + [tcptop, *args], env=env)


def identity(pid):
    """(real uid, effective capability mask) of a running process."""
    uid = capabilities = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
            elif line.startswith("CapEff:"):
                capabilities = int(line.split()[1], 16)
    return uid, capabilities


def mask(capabilities):
    return sum(1 << CAPABILITY_BITS[c] for c in capabilities)


def expect_refusal(capabilities, args, named, not_named):
    monitor = as_nobody(capabilities, "--json", "-n", "1", *args)
    status = monitor.wait()
    stderr = monitor.process.stderr.read().decode()
    assert status == 77, f"exit {status}, stderr {stderr!r}"
    assert monitor.rest() == b"", "output despite the refusal"
    assert stderr.count("\n") == 1 and stderr.startswith("tcptop: "), repr(stderr)
    for capability in named:
        assert capability in stderr, f"{capability} not named in {stderr!r}"
    for capability in not_named:
        assert capability not in stderr.split("(")[0], f"{capability} named in {stderr!r}"


def test_no_capabilities_exits_77_naming_them():
    # ... and the collector that needs none.
    expect_refusal([], [], ["CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN", "root",
                            "--collector sock_diag"], [])


def test_tcp_only_does_not_ask_for_net_admin():
    expect_refusal([], ["--tcp"], ["CAP_BPF", "CAP_PERFMON"], ["CAP_NET_ADMIN"])


def test_udp_needs_net_admin():
    expect_refusal(TCP_ONLY, [], ["CAP_NET_ADMIN"], ["CAP_BPF", "CAP_PERFMON"])


def watch_as_nobody(capabilities, args, udp):
    """Run as nobody with capabilities, and check that it sees root's traffic
    exactly: both ends of a TCP exchange with owners, and a UDP datagram."""
    tcp = TcpExchange(exchanges=[(123456, 7890)])
    datagram = UdpExchange(size=777) if udp else None
    monitor = as_nobody(capabilities, "--json", "-i", "0.2", *args)
    try:
        monitor.next_snapshot()
        uid, effective = identity(monitor.process.pid)
        assert uid == NOBODY, f"running as uid {uid}"
        assert effective == mask(capabilities), f"CapEff {effective:#x}"

        tcp.start()
        if datagram:
            datagram.start()
        client_port = tcp.client_ports[0]

        def all_seen(snapshot):
            ends = [end_of(on_port(snapshot, tcp.port), p) for p in (client_port, tcp.port)]
            tcp_done = all(e and e["bytes_sent"] + e["bytes_received"] == 123456 + 7890 for e in ends)
            udp_done = not datagram or any(r["bytes_sent"] == 777 and r["remote_port"] == datagram.port
                                           for r in on_port(snapshot, datagram.port, "udp"))
            return tcp_done and udp_done

        snapshot = monitor.snapshots_until(all_seen)[-1]
        client = end_of(on_port(snapshot, tcp.port), client_port)
        server = end_of(on_port(snapshot, tcp.port), tcp.port)
        assert (client["pid"], client["comm"], client["bytes_sent"]) == \
            (tcp.clients[0].pid, "cli-client0", 123456), client
        assert (server["pid"], server["comm"], server["bytes_sent"]) == \
            (tcp.server.pid, "cli-server", 7890), server
        if datagram:
            sent = [r for r in on_port(snapshot, datagram.port, "udp")
                    if r["remote_port"] == datagram.port][0]
            assert sent["pid"] == datagram.sender.pid and sent["comm"] == "cli-udp-send", sent
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        tcp.kill()
        if datagram:
            datagram.kill()


def test_documented_capabilities_are_enough():
    watch_as_nobody(WITH_UDP, [], udp=True)


def test_tcp_only_needs_bpf_and_perfmon():
    watch_as_nobody(TCP_ONLY, ["--tcp"], udp=False)


# Loaded while the test can still read the interpreter's library: after the
# uid change, a socket address's host name needs this codec.
import encodings.idna  # noqa: E402,F401


def as_nobody_body(body):
    """body run in a child process that has become uid/gid 65534 first, as
    dumpable as a process that user started: changing uid clears the flag,
    and with it the user's right to read the process's /proc/PID/fd."""
    def dropped(me):
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        PR_SET_DUMPABLE = 4
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE)")
        body(me)
    return dropped


def test_sock_diag_needs_no_capability_for_the_users_own_sockets():
    request, reply = 54321, 1234

    def serve(me):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        me.report(listener.getsockname()[1])
        connection, _ = listener.accept()
        receive_exactly(connection, request)
        connection.sendall(b"r" * reply)
        me.report(1)
        me.wait_proceed()

    server = Child(b"diag-server", as_nobody_body(serve))
    port = server.next_report()

    def connect(me):
        connection = socket.create_connection(("127.0.0.1", port))
        me.report(connection.getsockname()[1])
        connection.sendall(b"q" * request)
        receive_exactly(connection, reply)
        me.report(1)
        me.wait_proceed()

    client = Child(b"diag-client", as_nobody_body(connect))
    monitor = as_nobody([], "--collector", "sock_diag", "--json", "-i", "0.2", "--port", str(port))
    try:
        client_port = client.next_report()
        client.next_report()
        server.next_report()

        def both_exact(snapshot):
            ends = [end_of(on_port(snapshot, port), p) for p in (client_port, port)]
            return all(e and e["pid"] for e in ends)

        snapshot = monitor.snapshots_until(both_exact)[-1]
        # Checked once it runs: before, the pid may still be setpriv's.
        uid, effective = identity(monitor.process.pid)
        assert uid == NOBODY and effective == 0, (uid, effective)
        near = end_of(on_port(snapshot, port), client_port)
        far = end_of(on_port(snapshot, port), port)
        assert (near["pid"], near["comm"], near["role"], near["bytes_sent"], near["bytes_received"]) == \
            (client.pid, "diag-client", "client", request, reply), near
        assert (far["pid"], far["comm"], far["role"], far["bytes_sent"], far["bytes_received"]) == \
            (server.pid, "diag-server", "server", reply, request), far
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        client.kill()
        server.kill()


if __name__ == "__main__":
    require_bpf()
    tcptop = stage()
    try:
        run_tests(dict(globals()))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
