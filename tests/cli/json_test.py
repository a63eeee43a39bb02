#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop --json against real traffic: exact byte counts, valid JSON on every line, --count, filters.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import (Tcptop, TcpExchange, UdpExchange, binary, end_of, on_port,  # noqa: E402
                        parse_snapshot, require_bpf, run_tests)

REQUEST = 123456
REPLY = 7890


def tcptop(*args):
    return Tcptop([binary(), "--json", "--interval", "0.2", *args])


def check_end(record, pid, comm, sent, received, role):
    assert record is not None, "record missing"
    assert record["pid"] == pid, f"pid {record['pid']}, expected {pid}"
    assert record["comm"] == comm, f"comm {record['comm']!r}, expected {comm!r}"
    assert record["bytes_sent"] == sent, f"bytes_sent {record['bytes_sent']}, expected {sent}"
    assert record["bytes_received"] == received, \
        f"bytes_received {record['bytes_received']}, expected {received}"
    assert record["role"] == role, f"role {record['role']}, expected {role}"


def test_exact_bytes_of_a_known_transfer():
    exchange = TcpExchange()
    monitor = tcptop("--port", str(exchange.port))
    try:
        monitor.next_snapshot()  # attached: what follows is seen from its start
        exchange.start()
        client_port = exchange.client_ports[0]
        client, server = exchange.clients[0], exchange.server

        def both_done(snapshot):
            records = on_port(snapshot, exchange.port)
            ends = [end_of(records, client_port), end_of(records, exchange.port)]
            return all(e and e["bytes_sent"] + e["bytes_received"] == REQUEST + REPLY for e in ends)

        snapshot = monitor.snapshots_until(both_done)[-1]
        records = on_port(snapshot, exchange.port)
        assert len(records) == 2, records
        for record in records:
            assert record["state"] == "ESTABLISHED" and not record["closed"], record
            assert record["family"] == "ipv4" and record["local_addr"] == "127.0.0.1", record
            assert record["remote_addr"] == "127.0.0.1", record
        check_end(end_of(records, client_port), client.pid, "cli-client0", REQUEST, REPLY, "client")
        check_end(end_of(records, exchange.port), server.pid, "cli-server", REPLY, REQUEST, "server")

        exchange.close()
        closed = {}

        def both_closed(snapshot):
            for record in on_port(snapshot, exchange.port):
                if record["closed"]:
                    assert record["local_port"] not in closed, f"closed twice: {record}"
                    closed[record["local_port"]] = record
            return len(closed) == 2

        monitor.snapshots_until(both_closed)
        check_end(closed.get(client_port), client.pid, "cli-client0", REQUEST, REPLY, "client")
        check_end(closed.get(exchange.port), server.pid, "cli-server", REPLY, REQUEST, "server")
        for record in closed.values():
            assert record["close_time_ns"] > 0 and record["state"] == "CLOSE", record

        # Closed connections are reported once, then gone.
        later = monitor.next_snapshot()
        assert on_port(later, exchange.port) == [], later
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        exchange.kill()


def test_count_is_honoured_and_every_line_is_json():
    monitor = tcptop("--count", "3")
    try:
        snapshots = []
        while (line := monitor.next_line()) is not None:
            snapshots.append(line)
        assert monitor.wait() == 0, monitor.stderr_text()
        assert len(snapshots) == 3, f"{len(snapshots)} lines for --count 3"
        for line in snapshots:
            snapshot = parse_snapshot(line)
            assert 0.1e9 < snapshot["interval_ns"] < 1e9, snapshot["interval_ns"]
    finally:
        monitor.kill()


def test_pid_filter():
    exchange = TcpExchange(exchanges=[(1000, 2000), (3000, 4000)])
    chosen = exchange.clients[1]
    monitor = tcptop("--pid", str(chosen.pid))
    try:
        monitor.next_snapshot()
        exchange.start()
        seen = monitor.snapshots_until(
            lambda s: any(r["local_port"] == exchange.client_ports[1] and r["bytes_sent"] == 3000
                          for r in s["connections"]))
        for snapshot in seen:
            for record in snapshot["connections"]:
                assert record["pid"] == chosen.pid, f"--pid {chosen.pid} let through {record}"
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        exchange.kill()


def test_protocol_and_family_filters():
    tcp4 = TcpExchange(exchanges=[(5000, 500)])
    tcp6 = TcpExchange(exchanges=[(6000, 600)], address="::1")
    udp = UdpExchange(size=1000)
    ports = {"tcp4": tcp4.port, "tcp6": tcp6.port, "udp": udp.port}
    runs = {
        ("--tcp",): {"tcp4", "tcp6"},
        ("--udp",): {"udp"},
        ("-4",): {"tcp4", "udp"},
        ("-6",): {"tcp6"},
        ("--tcp", "--udp", "-4", "-6"): {"tcp4", "tcp6", "udp"},
    }
    monitors = {args: tcptop(*args) for args in runs}
    try:
        for monitor in monitors.values():
            monitor.next_snapshot()
        tcp4.start()
        tcp6.start()
        udp.start()
        for args, expected in runs.items():
            def ours(snapshot):
                found = set()
                for name, port in ports.items():
                    protocol = "udp" if name == "udp" else "tcp"
                    if on_port(snapshot, port, protocol):
                        found.add(name)
                return found

            # Once a run shows what it should, it keeps showing exactly that.
            monitors[args].snapshots_until(lambda s: ours(s) == expected)
            for snapshot in [monitors[args].next_snapshot() for _ in range(3)]:
                assert ours(snapshot) == expected, f"{args}: {ours(snapshot)} != {expected}"
                for record in snapshot["connections"]:
                    if "--tcp" in args and "--udp" not in args:
                        assert record["protocol"] == "tcp", record
                    if "--udp" in args and "--tcp" not in args:
                        assert record["protocol"] == "udp", record
                    if "-4" in args and "-6" not in args:
                        assert record["family"] == "ipv4", record
                    if "-6" in args and "-4" not in args:
                        assert record["family"] == "ipv6", record
        udp_records = on_port(monitors[("--udp",)].next_snapshot(), udp.port, "udp")
        sent = [r for r in udp_records if r["remote_port"] == udp.port]
        assert sent and sent[0]["bytes_sent"] == 1000 and sent[0]["packets_sent"] == 1, udp_records
        for monitor in monitors.values():
            assert monitor.stop() == 0
    finally:
        for monitor in monitors.values():
            monitor.kill()
        for exchange in (tcp4, tcp6, udp):
            exchange.kill()


if __name__ == "__main__":
    require_bpf()
    run_tests(dict(globals()))
