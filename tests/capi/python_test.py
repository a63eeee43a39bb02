#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The C ABI from Python ctypes: errors for bad input, then (root) exact bytes of real
# loopback traffic, pulled directly and printed by examples/tcptop_top.py.
#   python_test.py LIBRARY EXAMPLES_DIR
import ctypes
import errno
import os
import re
import socket
import subprocess
import sys
import threading
import time

LIBRARY, EXAMPLES = sys.argv[1], sys.argv[2]
sys.path.insert(0, EXAMPLES)
import tcptop_ctypes  # noqa: E402

REQUEST, REPLY = 100000, 5000
failures = 0


def check(condition, what):
    global failures
    if not condition:
        failures += 1
        print(f"CHECK failed: {what}", file=sys.stderr)
    return condition


def check_error(expected_errno, word, call):
    """call() must raise TcptopError with expected_errno and a message naming word."""
    try:
        call()
    except tcptop_ctypes.TcptopError as error:
        check(error.errno == expected_errno, f"errno {error.errno} is {expected_errno} ({error})")
        check(word in str(error), f"'{word}' named in: {error}")
        return
    check(False, f"no error, expected errno {expected_errno} naming '{word}'")


def check_layouts():
    # The sizes capi/snapshot_data.cpp pins for the C structs.
    check(ctypes.sizeof(tcptop_ctypes.Connection) == 168, "struct tcptop_connection is 168 bytes")
    check(ctypes.sizeof(tcptop_ctypes.Stats) == 80, "struct tcptop_stats is 80 bytes")
    check(ctypes.sizeof(tcptop_ctypes.Options) == 44, "struct tcptop_options is 44 bytes")
    check(ctypes.sizeof(tcptop_ctypes.Feature) == 8 + 3 * ctypes.sizeof(ctypes.c_char_p),
          "struct tcptop_feature is two uint32_t and three pointers")


def check_bad_input(lib):
    check(re.fullmatch(rb"\d+\.\d+\.\d+", lib.tcptop_version()), "version is MAJOR.MINOR.PATCH")
    check(lib.tcptop_strerror(-errno.EINVAL) == b"invalid argument", "strerror(-EINVAL)")

    check_error(errno.EINVAL, "interval", lambda: tcptop_ctypes.Collector(lib, interval_ms=0))
    check_error(errno.EINVAL, "protocols", lambda: tcptop_ctypes.Collector(lib, protocols=0x4))
    check_error(errno.EINVAL, "families", lambda: tcptop_ctypes.Collector(lib, families=0))
    check_error(errno.EINVAL, "max_connections", lambda: tcptop_ctypes.Collector(lib, max_connections=0))

    handle = ctypes.c_void_p()
    check(lib.tcptop_collector_create(None, ctypes.byref(handle)) == -errno.EINVAL, "create(NULL, ...)")
    opts = tcptop_ctypes.Options()
    lib.tcptop_options_init(ctypes.byref(opts))
    opts.size = 4
    check(lib.tcptop_collector_create(ctypes.byref(opts), ctypes.byref(handle)) == -errno.EINVAL,
          "create with size 4")
    check(b"size" in lib.tcptop_last_error_message(), "message names the size")
    check(lib.tcptop_collector_stop(None) == -errno.EINVAL, "stop(NULL)")
    check(lib.tcptop_snapshot_connection_count(None) == 0, "count(NULL)")
    check(lib.tcptop_collector_feature_count(None) == 0, "feature_count(NULL)")
    check(not lib.tcptop_collector_feature(None, 0), "feature(NULL, 0)")

    with tcptop_ctypes.Collector(lib) as collector:
        check_error(errno.EBUSY, "not polling", lambda: collector.next_snapshot(0))
        check(collector.features() == [], "no features before a start")
        collector.stop()
        collector.stop()


def receive_exactly(sock, length):
    while length:
        chunk = sock.recv(min(length, 65536))
        if not chunk:
            raise ConnectionError("peer closed early")
        length -= len(chunk)


def open_exchange():
    """A client and a server socket of this process that moved REQUEST and REPLY bytes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted = {}
    server_thread = threading.Thread(target=lambda: accepted.update(sock=listener.accept()[0]))
    server_thread.start()
    client = socket.create_connection(("127.0.0.1", port))
    server_thread.join()
    server = accepted["sock"]
    listener.close()
    client.sendall(b"x" * REQUEST)
    receive_exactly(server, REQUEST)
    server.sendall(b"y" * REPLY)
    receive_exactly(client, REPLY)
    return client, server, port


def check_records(records, client, server):
    ends = {r["local_port"]: r for r in records if r["protocol"] == "tcp"}
    check(len(records) == 2, f"two records, got {len(records)}")
    mine = open("/proc/self/comm").read().strip()
    c = ends.get(client.getsockname()[1])
    s = ends.get(server.getsockname()[1])
    if not (check(c, "client record") and check(s, "server record")):
        return
    for record, sent, received, role in ((c, REQUEST, REPLY, "client"), (s, REPLY, REQUEST, "server")):
        check(record["bytes_sent"] == sent, f"{role} sent {record['bytes_sent']}, expected {sent}")
        check(record["bytes_received"] == received,
              f"{role} received {record['bytes_received']}, expected {received}")
        check(record["role"] == role, f"role {record['role']} is {role}")
        check(record["pid"] == os.getpid(), "pid is this process")
        check(record["comm"] == mine, f"comm {record['comm']} is {mine}")
        check(record["local_addr"] == "127.0.0.1" and record["remote_addr"] == "127.0.0.1", "addresses")
        check(record["state"] == "ESTABLISHED" and not record["closed"], "open")


FEATURES = ["tcp_counters", "tcp_lifecycle", "udp_counters", "udp_lifecycle", "socket_owners",
            "other_namespaces"]


def check_features(features):
    check([f["name"] for f in features] == FEATURES, f"the features in order: {features}")
    check([f["feature"] for f in features] == list(range(len(FEATURES))), "feature values 0, 1, ...")
    for f in features:
        check(f["available"] == bool(f["hooks"]), f"available exactly when hooks are named: {f}")
        check(f["available"] or f["note"], f"unavailable with a reason: {f}")
    if features:
        check(features[0]["available"] and features[0]["hooks"] == "iter/tcp", f"tcp_counters: {features[0]}")


def check_traffic(lib):
    with tcptop_ctypes.Collector(lib, interval_ms=200) as collector:
        collector.start()
        check_features(collector.features())
        client, server, port = open_exchange()
        done = time.time_ns()
        snapshot = collector.next_snapshot(10000)
        while snapshot and snapshot.timestamp_ns <= done:
            snapshot = collector.next_snapshot(10000)
        if check(snapshot, "a snapshot within 10 s"):
            check(snapshot.stats["connections_tracked"] >= 2, "stats came along")
            check_records([r for r in snapshot.connections if port in (r["local_port"], r["remote_port"])],
                          client, server)

    # The example, in its own process, sees the same connection exactly.
    example = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "tcptop_top.py"), "--library", LIBRARY,
         "--interval", "0.2", "--count", "2", "--port", str(port)],
        capture_output=True, text=True, timeout=60)
    print(example.stdout, end="")
    check(example.returncode == 0, f"tcptop_top.py exited {example.returncode}: {example.stderr}")
    last = example.stdout.split("-- ")[-1]
    client_line = (f"127.0.0.1:{client.getsockname()[1]} -> 127.0.0.1:{port} "
                   f"sent {REQUEST} received {REPLY}")
    server_line = (f"127.0.0.1:{port} -> 127.0.0.1:{client.getsockname()[1]} "
                   f"sent {REPLY} received {REQUEST}")
    check(last.startswith("2 connections"), "the example printed both ends")
    check(client_line in last, f"the example printed: {client_line}")
    check(server_line in last, f"the example printed: {server_line}")
    client.close()
    server.close()


def main():
    lib = tcptop_ctypes.load(LIBRARY)
    check_layouts()
    check_bad_input(lib)
    skipped = os.geteuid() != 0
    if not skipped:
        check_traffic(lib)
    if failures:
        print(f"FAIL: {failures} checks failed", file=sys.stderr)
        return 1
    if skipped:
        if os.environ.get("TCPTOP_REQUIRE_BPF") == "1":
            print("FAIL: TCPTOP_REQUIRE_BPF=1 forbids skipping the eBPF part", file=sys.stderr)
            return 1
        print("SKIP: the eBPF part needs root", file=sys.stderr)
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
