#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop --features, and the fallbacks it reports: a private cgroup v2 mount, UDP unavailable.
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import (Tcptop, TcpExchange, UdpExchange, binary, end_of, on_port,  # noqa: E402
                        require_bpf, run_tests)

FEATURES = ["tcp_counters", "tcp_lifecycle", "udp_counters", "udp_lifecycle", "socket_owners",
            "other_namespaces"]

# Runs its arguments in a mount namespace of its own with every cgroup v2
# mount gone: a container or a cgroup-v1 host, as the collector sees it.
WITHOUT_CGROUP2 = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'for m in $(awk \'$3 == "cgroup2" { print $2 }\' /proc/self/mounts); do '
                   'umount -l "$m" || exit 1; done; exec "$@"', "sh"]

# Root without CAP_SYS_ADMIN, which a private cgroup mount would need.
WITHOUT_SYS_ADMIN = ["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"]


def features(prefix=(), *args):
    result = subprocess.run([*prefix, binary(), "--features", "--json", *args],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr.decode()}"
    lines = result.stdout.decode("ascii").splitlines()
    assert len(lines) == 1, lines
    listed = json.loads(lines[0])["features"]
    assert [f["feature"] for f in listed] == FEATURES, listed
    for f in listed:
        assert set(f) == {"feature", "available", "hooks", "note"}, f
        assert f["available"] == bool(f["hooks"]), f"available without hooks, or not: {f}"
        assert f["available"] or f["note"], f"unavailable without a reason: {f}"
    return {f["feature"]: f for f in listed}


def test_every_feature_with_its_hooks_on_this_kernel():
    found = features()
    assert all(f["available"] for f in found.values()), found
    assert found["tcp_counters"]["hooks"] == "iter/tcp"
    assert found["tcp_lifecycle"]["hooks"] == "tp_btf/inet_sock_set_state"
    assert found["udp_counters"]["hooks"].startswith("cgroup_skb/egress+ingress on /")
    assert found["udp_lifecycle"]["hooks"].startswith("cgroup/sock_create+sock_release on /")
    assert found["socket_owners"]["hooks"] == "iter/task_file"
    assert not any(f["note"] for f in found.values()), found

    tcp_only = features((), "--tcp")
    for name in ("udp_counters", "udp_lifecycle"):
        assert not tcp_only[name]["available"] and "not asked for" in tcp_only[name]["note"]
    assert tcp_only["tcp_counters"]["available"]

    text = subprocess.run([binary(), "--features"], capture_output=True, timeout=60)
    assert text.returncode == 0
    assert text.stdout.decode().split("\n")[0].split() == ["tcp_counters", "yes", "iter/tcp"]


def exact_udp(monitor, udp):
    def flows_done(snapshot):
        records = on_port(snapshot, udp.port, "udp")
        return len(records) == 2 and all(
            r["bytes_sent"] + r["bytes_received"] == udp.size for r in records)

    records = on_port(monitor.snapshots_until(flows_done)[-1], udp.port, "udp")
    sent = [r for r in records if r["pid"] == udp.sender.pid]
    received = [r for r in records if r["pid"] == udp.receiver.pid]
    assert len(sent) == 1 and sent[0]["bytes_sent"] == udp.size, records
    assert sent[0]["packets_sent"] == 1 and sent[0]["bytes_received"] == 0, records
    assert len(received) == 1 and received[0]["bytes_received"] == udp.size, records
    assert received[0]["packets_received"] == 1, records


def test_no_cgroup2_mounted_udp_through_a_private_mount():
    found = features(WITHOUT_CGROUP2)
    udp = found["udp_counters"]
    assert udp["available"], udp
    assert udp["hooks"] == "cgroup_skb/egress+ingress on a private cgroup v2 mount", udp
    assert "no cgroup v2 hierarchy is mounted" in udp["note"], udp
    assert found["udp_lifecycle"]["available"]

    udp = UdpExchange(size=1234)
    monitor = Tcptop(WITHOUT_CGROUP2 + [binary(), "--json", "-i", "0.2", "--udp",
                                        "--port", str(udp.port)])
    try:
        monitor.next_snapshot()
        udp.start()
        exact_udp(monitor, udp)
        udp.close()
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        udp.kill()


def test_fentry_fallback_exact_where_the_kernel_has_trampolines():
    found = features((), "--hooks", "fentry")
    udp = found["udp_counters"]
    assert "cgroup hooks are not allowed" in udp["note"], udp
    if not udp["available"]:
        # Linux 6.18 here cannot load fentry programs; the kernels suite
        # runs this test on 6.1 and 6.12, which can.
        assert "fentry: kernel cannot" in udp["note"], udp
        print(f"     fentry unavailable on this kernel: {udp['note']}", flush=True)
        return
    print(f"     UDP through {udp['hooks']}", flush=True)
    assert udp["hooks"] == "fentry/ip_send_skb+ip6_send_skb+__udp_enqueue_schedule_skb", udp
    assert found["udp_lifecycle"]["hooks"] == "fentry/inet_release", found

    for address in ("127.0.0.1", "::1"):
        exchange = UdpExchange(size=777, address=address)
        monitor = Tcptop([binary(), "--json", "-i", "0.2", "--udp", "--hooks", "fentry",
                          "--port", str(exchange.port)])
        try:
            monitor.next_snapshot()
            exchange.start()
            exact_udp(monitor, exchange)
            exchange.close()

            def flows_closed(snapshot):
                return len([r for r in on_port(snapshot, exchange.port, "udp") if r["closed"]]) == 2

            monitor.snapshots_until(flows_closed)
            assert monitor.stop() == 0
        finally:
            monitor.kill()
            exchange.kill()


def test_without_a_cgroup_root_the_fallback_is_chosen_by_itself():
    udp = features(WITHOUT_CGROUP2 + WITHOUT_SYS_ADMIN)["udp_counters"]
    assert "CAP_SYS_ADMIN" in udp["note"], udp
    if udp["available"]:
        assert udp["hooks"].startswith("fentry/"), udp
        assert udp["note"].startswith("cgroup_skb not used: "), udp
    else:
        assert "cgroup_skb: " in udp["note"] and "; fentry: " in udp["note"], udp


def test_udp_unavailable_tcp_still_exact():
    # Only cgroup hooks allowed: a kernel with trampolines would otherwise
    # count UDP through the fentry fallback (the test above).
    prefix = WITHOUT_CGROUP2 + WITHOUT_SYS_ADMIN
    found = features(prefix, "--hooks", "cgroup")
    for name in ("udp_counters", "udp_lifecycle"):
        assert not found[name]["available"], found[name]
    assert "CAP_SYS_ADMIN" in found["udp_counters"]["note"], found["udp_counters"]
    assert found["tcp_counters"]["available"] and found["tcp_lifecycle"]["available"]
    assert not found["other_namespaces"]["available"]
    assert "CAP_SYS_ADMIN" in found["other_namespaces"]["note"]

    tcp = TcpExchange(exchanges=((5000, 700),))
    udp = UdpExchange(size=300)
    monitor = Tcptop(prefix + [binary(), "--json", "-i", "0.2", "--hooks", "cgroup"])
    try:
        monitor.next_snapshot()
        tcp.start()
        udp.start()

        def tcp_done(snapshot):
            server = end_of(on_port(snapshot, tcp.port), tcp.port)
            return server is not None and server["bytes_received"] == 5000

        snapshots = monitor.snapshots_until(tcp_done)
        server = end_of(on_port(snapshots[-1], tcp.port), tcp.port)
        assert server["bytes_sent"] == 700 and server["pid"] == tcp.server.pid, server
        # UDP cannot be counted here: no record rather than a record of zeros.
        for snapshot in snapshots + [monitor.next_snapshot()]:
            assert not [r for r in snapshot["connections"] if r["protocol"] == "udp"], snapshot
        tcp.close()
        udp.close()
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        tcp.kill()
        udp.kill()


def test_sock_diag_says_what_it_cannot_see():
    if os.environ.get("TCPTOP_TEST_GUEST_WITHOUT_MODULES") == "1":
        result = subprocess.run([binary(), "--features", "--collector", "sock_diag"],
                                capture_output=True, timeout=60)
        assert result.returncode == 1, result
        assert b"a kernel without CONFIG_INET_DIAG" in result.stderr, result.stderr
        return
    found = features((), "--collector", "sock_diag")
    assert found["tcp_counters"]["hooks"] == "sock_diag inet_diag (tcp_info)", found
    assert "connections_unseen" in found["tcp_lifecycle"]["note"], found
    assert not found["udp_counters"]["available"], found
    assert "no UDP byte or datagram counts" in found["udp_counters"]["note"], found
    assert found["udp_lifecycle"]["available"], found
    assert found["socket_owners"]["hooks"] == "/proc/PID/fd" and not found["socket_owners"]["note"]
    assert found["other_namespaces"]["available"], found

    # Root less CAP_SYS_PTRACE and CAP_SYS_ADMIN: owners of root's own
    # processes only, and this namespace only; both said.
    limited = features(["setpriv", "--inh-caps=-sys_ptrace,-sys_admin",
                        "--bounding-set=-sys_ptrace,-sys_admin"], "--collector", "sock_diag")
    assert "CAP_SYS_PTRACE" in limited["socket_owners"]["note"], limited
    assert not limited["other_namespaces"]["available"], limited
    assert "CAP_SYS_ADMIN" in limited["other_namespaces"]["note"], limited


def test_start_fails_naming_why_when_nothing_asked_for_can_be_had():
    result = subprocess.run(WITHOUT_CGROUP2 + WITHOUT_SYS_ADMIN +
                            [binary(), "--json", "-n", "1", "--udp", "--hooks", "cgroup"],
                            capture_output=True, timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == 1, f"exit {result.returncode}: {stderr}"
    assert result.stdout == b"", result.stdout
    assert stderr.count("\n") == 1 and stderr.startswith("tcptop: "), stderr
    assert "nothing that was asked for can be collected" in stderr, stderr
    assert "CAP_SYS_ADMIN" in stderr and "fentry programs are not allowed" in stderr, stderr


if __name__ == "__main__":
    require_bpf()
    run_tests(globals())
