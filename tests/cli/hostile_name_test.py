#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A process named with quotes, a backslash, control bytes and bytes above 0x7f: JSON stays valid, tables stay inert.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import (Tcptop, TcpExchange, binary, end_of, on_port, require_bpf,  # noqa: E402
                        run_tests)

# 15 bytes, the most a comm holds: a quote, a backslash, a newline, an
# escape sequence that would turn a terminal red, DEL, "é" in UTF-8, and
# two bytes that are not UTF-8 at all.
HOSTILE = b'q"\\\n\x1b[31m\x7f\xc3\xa9\xff\xfe!'
# What JSON must carry: the valid characters as they are, each invalid byte
# as U+FFFD.
HOSTILE_DECODED = 'q"\\\n\x1b[31m\x7f\u00e9\ufffd\ufffd!'
# What a table must show: no control character reaches the terminal.
HOSTILE_SHOWN = 'q"\\??[31m?\u00e9??!'.encode()


# Two more names of the comm's full 15 bytes: none of them UTF-8, and
# control bytes only (each C0 control the kernel keeps, and DEL).
ALL_INVALID = b"\xff" * 15
ALL_CONTROL = bytes(range(1, 15)) + b"\x7f"


def hostile_exchange():
    return TcpExchange(exchanges=[(4321, 1234)], client_comms=[HOSTILE])


def test_json_stays_valid_and_the_name_survives():
    assert len(HOSTILE) == 15
    exchange = hostile_exchange()
    monitor = Tcptop([binary(), "--json", "-i", "0.2", "--port", str(exchange.port)])
    try:
        monitor.next_snapshot()
        exchange.start()
        # next_snapshot() parses every line strictly: a raw control
        # character or a non-ASCII byte fails the test.
        seen = monitor.snapshots_until(lambda s: (
            end_of(on_port(s, exchange.port), exchange.client_ports[0]) or {}).get("bytes_sent") == 4321)
        record = end_of(on_port(seen[-1], exchange.port), exchange.client_ports[0])
        assert record["comm"] == HOSTILE_DECODED, f"comm {record['comm']!r}"
        assert record["pid"] == exchange.clients[0].pid
        line = monitor.lines[-1]
        assert b'"comm":"q\\"\\\\\\n\\u001b[31m\\u007f\\u00e9\\ufffd\\ufffd!"' in line, line
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        exchange.kill()


def test_names_without_a_printable_byte_survive_in_json():
    exchange = TcpExchange(exchanges=[(111, 222), (333, 444)],
                           client_comms=[ALL_INVALID, ALL_CONTROL])
    monitor = Tcptop([binary(), "--json", "-i", "0.2", "--port", str(exchange.port)])
    try:
        monitor.next_snapshot()
        exchange.start()
        seen = monitor.snapshots_until(lambda s: all(
            (end_of(on_port(s, exchange.port), client_port) or {}).get("bytes_sent") == sent
            for client_port, sent in zip(exchange.client_ports, (111, 333))))
        invalid, control = (end_of(on_port(seen[-1], exchange.port), client_port)
                            for client_port in exchange.client_ports)
        assert invalid["comm"] == "\ufffd" * 15, f"comm {invalid['comm']!r}"
        assert control["comm"] == ALL_CONTROL.decode(), f"comm {control['comm']!r}"
        assert (invalid["pid"], control["pid"]) == tuple(c.pid for c in exchange.clients)
        assert monitor.stop() == 0
    finally:
        monitor.kill()
        exchange.kill()


def test_batch_table_shows_the_name_inert():
    exchange = hostile_exchange()
    monitor = Tcptop([binary(), "--batch", "-i", "0.2", "--port", str(exchange.port)])
    try:
        monitor.next_line()  # the first summary line: attached
        exchange.start()
        row = None
        while row is None:
            line = monitor.next_line()
            if HOSTILE_SHOWN in line and b"4.22 KiB" in line:
                row = line
        assert monitor.stop() == 0
        output = b"\n".join(monitor.lines) + monitor.rest()
        for byte in b"\x1b\x7f\r":
            assert bytes([byte]) not in output, f"byte {byte:#x} reached the output"
        # The newline in the name did not split the row: it still holds the
        # addresses, state and totals after the name.
        fields = row.split()
        assert fields[0] == str(exchange.clients[0].pid).encode(), row
        assert b"127.0.0.1:%d" % exchange.port in fields and b"ESTABLISHED" in fields, row
    finally:
        monitor.kill()
        exchange.kill()


if __name__ == "__main__":
    require_bpf()
    run_tests(dict(globals()))
