#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A process that opens connections to itself, moves known bytes on each, says "ready", and waits to be killed.

usage: soak_victim.py ADDRESS PORT CONNECTIONS BYTES

Both ends live in this process, so SIGKILL leaves every socket for the
kernel to close; each end sent and read BYTES. bench/soak.py runs it in
the host's network namespace and in namespaces it deletes.
"""

import socket
import sys
import time


def main():
    address, port, connections, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(connections)
    held = []
    for _ in range(connections):
        client = socket.create_connection((address, port))
        server, _ = listener.accept()
        for sender, receiver in ((client, server), (server, client)):
            sender.sendall(b"v" * size)
            received = 0
            while received < size:
                received += len(receiver.recv(size - received))
        held += [client, server]
    listener.close()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
