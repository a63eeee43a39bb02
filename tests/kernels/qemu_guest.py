# SPDX-License-Identifier: MIT
# Boot a kernel and an initramfs under qemu (software emulation) and read the guest's marker lines.
import os
import re
import selectors
import subprocess
import sys
import time

MARKER = "@@tcptop-kernels"


class GuestRun:
    """What a guest printed: one exit status per test, and whether it reached the end."""

    def __init__(self):
        self.kernel = None
        self.results = {}      # test name -> (exit status, seconds)
        self.setup_failures = []
        self.reached_end = False
        self.seconds = 0.0
        self.timed_out = False

    def take(self, line):
        match = re.search(MARKER + r" (\S+)(.*)", line)
        if not match:
            return
        kind, rest = match.group(1), match.group(2).split()
        if kind == "kernel" and rest:
            self.kernel = rest[0]
        elif kind == "result" and len(rest) == 3:
            self.results[rest[0]] = (int(rest[1]), int(rest[2]))
        elif kind == "setup-failed":
            self.setup_failures.append(" ".join(rest))
        elif kind == "end":
            self.reached_end = True


def qemu_command(kernel, initramfs, memory_mb=1024, cpus=2):
    # KVM is not usable on our machines: TCG, with the newest CPU model it
    # emulates. No network card: the tests use loopback only.
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", str(cpus),
            "-m", str(memory_mb), "-nographic", "-no-reboot", "-nic", "none",
            "-kernel", kernel, "-initrd", initramfs,
            "-append", "console=ttyS0 quiet panic=-1"]


def boot(kernel, initramfs, timeout_s, echo=sys.stdout):
    """Run the guest to its end (it powers off) or until timeout_s; echo its
    console line by line. Returns a GuestRun."""
    run = GuestRun()
    started = time.monotonic()
    process = subprocess.Popen(qemu_command(kernel, initramfs), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    pending = b""
    try:
        while True:
            left = timeout_s - (time.monotonic() - started)
            if left <= 0:
                run.timed_out = True
                break
            if not selector.select(min(left, 5.0)):
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                # The serial console ends lines with \r\n and may carry escape codes.
                line = raw.decode(errors="replace").rstrip("\r")
                print(line, file=echo, flush=True)
                run.take(line)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        run.seconds = time.monotonic() - started
    if pending:
        run.take(pending.decode(errors="replace"))
    return run
