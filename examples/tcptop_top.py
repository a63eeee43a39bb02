#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop_top.py: the connections moving the most bytes, every interval, through the C ABI from Python.
"""usage: tcptop_top.py [--library PATH] [--interval SECONDS] [--count N] [--top N] [--port PORT]"""
import argparse
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tcptop_ctypes  # noqa: E402  (found beside this script)


def print_top(snapshot, top):
    busiest = sorted(snapshot.connections,
                     key=lambda c: c["bytes_sent"] + c["bytes_received"], reverse=True)[:top]
    print(f"-- {len(snapshot.connections)} connections, showing {len(busiest)}")
    for c in busiest:
        print(f"{c['pid']:7} {c['comm']:<15} {c['protocol']} "
              f"{c['local_addr']}:{c['local_port']} -> {c['remote_addr']}:{c['remote_port']} "
              f"sent {c['bytes_sent']} received {c['bytes_received']}"
              f"{' closed' if c['closed'] else ''}")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description="Print the busiest connections every interval.")
    parser.add_argument("--library", help="path of libtcptop.so (default: $TCPTOP_LIBRARY, then the linker's search)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between snapshots")
    parser.add_argument("--count", type=int, default=0, help="stop after N snapshots (0: until interrupted)")
    parser.add_argument("--top", type=int, default=10, help="connections shown per snapshot")
    parser.add_argument("--port", type=int, default=0, help="only connections with this local or remote port")
    args = parser.parse_args()

    try:
        lib = tcptop_ctypes.load(args.library)
        with tcptop_ctypes.Collector(lib, interval_ms=round(args.interval * 1000), port=args.port) as collector:
            collector.start()
            printed = 0
            while not args.count or printed < args.count:
                print_top(collector.next_snapshot(), args.top)
                printed += 1
    except tcptop_ctypes.TcptopError as error:
        print(f"tcptop_top.py: {error}", file=sys.stderr)
        return 77 if error.errno == errno.EPERM else 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
