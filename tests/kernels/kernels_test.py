#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The privileged tests inside a Debian 12 kernel (--kernel 6.1, 6.12) under qemu: pass only if all pass there.
import argparse
import os
import shlex
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from debian_kernel import SERIES, KernelUnavailable, kernel_image  # noqa: E402
from guest_root import GuestRoot, GuestRootError  # noqa: E402
from qemu_guest import boot  # noqa: E402

# Emulation runs the guest several times slower than the host; tests stretch
# their intervals and deadlines by this factor (TCPTOP_TEST_TIME_SCALE).
DEFAULT_TIME_SCALE = 5
DEBIAN_PYTHON = "/usr/bin/python3"
HOST_PROGRAMS = {
    "qemu-system-x86_64": "qemu-system-x86",
    "busybox": "busybox-static",
    "ip": "iproute2",
    "dpkg-deb": "dpkg",
    "ldd": "libc-bin",
    "dash": "dash",
    "unshare": "util-linux",
    "setpriv": "util-linux",
}


def required():
    return os.environ.get("CI") == "true" or os.environ.get("TCPTOP_REQUIRE_BPF") == "1"


def cannot_run(reason):
    """Skip (77) with a one-line reason; in CI a skip is a failure."""
    if required():
        print(f"FAIL: {reason}; CI=true or TCPTOP_REQUIRE_BPF=1 forbids skipping", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {reason}", file=sys.stderr)
    sys.exit(77)


def parse_arguments():
    # meson runs tests in the build folder and passes paths relative to it;
    # the guest has the same files at the same absolute paths.
    parser = argparse.ArgumentParser(
        description=f"Run the privileged tests inside Debian 12's {' or '.join(SERIES)} "
                    "kernel under qemu.")
    parser.add_argument("--kernel", required=True, choices=SERIES,
                        help="the kernel series to boot, the newest Debian 12 cloud kernel of it")
    parser.add_argument("--cache", required=True, help="folder for the kernel packages and the guest")
    parser.add_argument("--collector", required=True, help="the collector integration test binary")
    parser.add_argument("--tcptop", help="the tcptop binary, for the CLI JSON test")
    parser.add_argument("--libtcptop", help="the library, the CLI tests' second argument")
    parser.add_argument("--cli-test", action="append", default=[],
                        help="a CLI test script, e.g. tests/cli/json_test.py (repeatable)")
    parser.add_argument("--timeout", type=float, default=840, help="seconds the guest may run")
    arguments = parser.parse_args()
    if arguments.cli_test and not (arguments.tcptop and arguments.libtcptop):
        parser.error("--cli-test needs --tcptop and --libtcptop")
    for name in ("cache", "collector", "tcptop", "libtcptop"):
        if getattr(arguments, name):
            setattr(arguments, name, os.path.abspath(getattr(arguments, name)))
    arguments.cli_test = [os.path.abspath(script) for script in arguments.cli_test]
    return arguments


def guest_tests(arguments):
    """(name, shell command) of each test to run in the guest."""
    collector = [arguments.collector, "--duration=true"]
    # The second run allows only the fentry fallback for UDP: 6.1 and 6.12
    # offer both kinds, and both must give the same numbers. The loss
    # accounting floods (TCP only, and slow under emulation) run once.
    tests = [("collector", shlex.join(collector)),
             ("collector_fentry", "TCPTOP_TEST_HOOK_KINDS=fentry " +
              shlex.join(collector + ["--test-case-exclude=loss accounting:*"]))]
    for script in arguments.cli_test:
        name = "cli_" + os.path.basename(script).removesuffix("_test.py")
        tests.append((name, shlex.join([DEBIAN_PYTHON, script,
                                        arguments.tcptop, arguments.libtcptop])))
    return tests


def make_guest_root(arguments, tests):
    # One guest root per kernel series: the series' tests run side by side.
    root = GuestRoot(os.path.join(arguments.cache, f"guest-root-{arguments.kernel}"))
    root.add_base_system()
    # The features test takes the cgroup v2 mounts away (unshare) and
    # CAP_SYS_ADMIN (setpriv) to reach the fallbacks.
    root.add_program(shutil.which("unshare"), "/usr/bin/unshare")
    root.add_program(shutil.which("setpriv"), "/usr/bin/setpriv")
    root.add_program(arguments.collector)
    if arguments.cli_test:
        root.add_program(arguments.tcptop)
        root.add_program(arguments.libtcptop)
        root.add_python(DEBIAN_PYTHON)
        cli_folder = os.path.dirname(arguments.cli_test[0])
        for name in os.listdir(cli_folder):
            if name.endswith(".py"):
                root.add_file(os.path.join(cli_folder, name))

    scale = os.environ.get("TCPTOP_TEST_TIME_SCALE", str(DEFAULT_TIME_SCALE))
    environment = {
        "TCPTOP_REQUIRE_BPF": "1" if required() else "0",
        "TCPTOP_TEST_TIME_SCALE": scale,
        # Debian builds inet_diag as modules, which the guests do not load:
        # tests of the sock_diag collector expect its refusal there.
        "TCPTOP_TEST_GUEST_WITHOUT_MODULES": "1",
        "HOME": "/root",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    root.add_text("/etc/tcptop-kernels/environment",
                  "".join(f"export {key}={shlex.quote(value)}\n" for key, value in environment.items()))
    root.add_text("/etc/tcptop-kernels/tests", "".join(f"{name} {command}\n" for name, command in tests))
    return root


def main():
    arguments = parse_arguments()
    if os.geteuid() != 0:
        cannot_run("the kernels suite runs the privileged tests in a VM and needs root")
    for program, package in HOST_PROGRAMS.items():
        if not shutil.which(program):
            cannot_run(f"{program} not found (apt-get install {package}; scripts/dev.sh test does)")
    if arguments.cli_test and not os.access(DEBIAN_PYTHON, os.X_OK):
        cannot_run(f"{DEBIAN_PYTHON} not found (apt-get install python3)")
    try:
        kernel, package, version = kernel_image(arguments.cache, arguments.kernel)
    except KernelUnavailable as error:
        cannot_run(f"no Debian {arguments.kernel} kernel: {error}")

    tests = guest_tests(arguments)
    try:
        root = make_guest_root(arguments, tests)
    except GuestRootError as error:
        print(f"FAIL: cannot assemble the guest: {error}", file=sys.stderr)
        return 1
    initramfs = os.path.join(arguments.cache, f"initramfs-{arguments.kernel}.cpio")
    size = root.pack(initramfs)
    print(f"kernels: booting Linux {arguments.kernel}: Debian's {package} {version} "
          f"under qemu (TCG), initramfs {size / 2**20:.0f} MiB", flush=True)

    run = boot(kernel, initramfs, arguments.timeout)
    return verdict(run, [name for name, _ in tests])


def verdict(run, names):
    """Print one line per test and the run time; the exit status of the whole."""
    failed = skipped = 0
    print(f"kernels: guest {run.kernel or '(kernel never reached init)'}, "
          f"{run.seconds:.0f} s from qemu's start to its end")
    for failure in run.setup_failures:
        print(f"kernels: guest setup failed: {failure}")
        failed += 1
    for name in names:
        status, seconds = run.results.get(name, (None, 0))
        if status is None:
            outcome = "did not finish"
            failed += 1
        elif status == 0:
            outcome = "passed"
        elif status == 77 and not required():
            outcome = "skipped"
            skipped += 1
        else:
            outcome = f"failed (exit status {status})"
            failed += 1
        print(f"kernels: {name}: {outcome} ({seconds} s)")
    if run.timed_out:
        print("kernels: FAIL: the guest ran out of time")
        failed += 1
    elif not run.reached_end:
        print("kernels: FAIL: the guest stopped before its end marker")
        failed += 1
    if failed:
        return 1
    return 77 if skipped == len(names) else 0


if __name__ == "__main__":
    sys.exit(main())
