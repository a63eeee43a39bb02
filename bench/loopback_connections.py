# SPDX-License-Identifier: MIT
"""Established loopback TCP connections held open, for the benchmarks that need many sockets."""

import socket


def hold_connections(count):
    """COUNT connected pairs on 127.0.0.1, both ends in this process; the
    caller keeps the returned listener and pairs alive for as long as they
    should stay open. Needs 2 * COUNT + 1 file descriptors."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    pairs = []
    for _ in range(count):
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
        pairs.append((client, server))
    return listener, pairs
