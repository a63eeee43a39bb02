#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop's command line: exit 2 with a one-line message naming the argument, for each kind of bad argument; --help, --version, the man page.
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import binary, run_tests  # noqa: E402

MAN_PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                        "tcptop", "tcptop.1")

# Each kind of bad argument, and what the message must name. These are all
# refused before any privilege is needed, so the test runs as any user.
BAD = [
    (["--bogus"], "'--bogus'"),
    (["-x"], "'-x'"),
    (["--tcp=yes"], "--tcp"),
    (["stray"], "'stray'"),
    (["--interval"], "--interval"),
    (["-n"], "--count"),
    (["--interval", "soon"], "'soon'"),
    (["-i", "nan"], "'nan'"),
    (["-i", "0.001"], "interval"),
    (["-i", "7200"], "interval"),
    (["-i", "-1"], "interval"),
    (["-i", "1e300"], "interval"),
    (["--count", "0"], "--count"),
    (["-n", "2.5"], "--count"),
    (["-n", "-3"], "--count"),
    (["-n", "99999999999999999999999"], "--count"),
    (["--pid", "0"], "--pid"),
    (["-p", "12ab"], "--pid"),
    (["-p", "4294967296"], "--pid"),
    (["--port", "0"], "--port"),
    (["--port", "65536"], "--port"),
    (["--port", "http"], "--port"),
    (["--sort", "speed"], "--sort"),
    (["-s", ""], "--sort"),
    (["--rows", "0"], "--rows"),
    (["-r", "many"], "--rows"),
    (["--batch", "--json"], "--json"),
    (["--json", "--batch"], "--batch"),
    (["--hooks", "kprobe"], "--hooks"),
    (["--hooks", ""], "--hooks"),
    (["--hooks", "cgroup,cgroup"], "--hooks"),
    (["--hooks", "cgroup,"], "--hooks"),
    (["--collector", "bpf"], "--collector"),
    (["--collector", "EBPF"], "--collector"),
    (["--collector", "sock_diag", "--hooks", "cgroup"], "--hooks"),
    (["--hooks", "fentry", "--collector=sock_diag"], "--hooks"),
    (["--programs", "--collector", "sock_diag"], "--programs"),
]


# Every option that takes a value, and values none of them takes: empty,
# blank, negative, a garbage suffix, beyond 64 bits, beyond a double,
# infinities and NaN, a terminal escape, and 100,000 characters.
VALUE_OPTIONS = ["--interval", "-i", "--count", "-n", "--pid", "-p", "--port", "--sort", "-s",
                 "--rows", "-r", "--hooks", "--collector"]
LONG_NAMES = {"-i": "--interval", "-n": "--count", "-p": "--pid", "-s": "--sort", "-r": "--rows"}
BAD_VALUES = ["", " ", "-1", "1x", "99999999999999999999", "1e400", "inf", "-inf", "nan",
              "\x1b[2J", "7" * 100_000]


def run(*args):
    return subprocess.run([binary(), *args], capture_output=True, timeout=20)


def test_every_value_option_refuses_every_bad_value():
    # A value taken by mistake would start the monitor: --count 1 (given
    # first, so that a bad --count still overrides it) ends it at once.
    for option in VALUE_OPTIONS:
        for value in BAD_VALUES:
            result = run("--json", "--count", "1", option, value)
            stderr = result.stderr.decode()
            shown = f"{option} {value[:20]!r}"
            assert result.returncode == 2, f"{shown}: exit {result.returncode}, {stderr[:300]!r}"
            assert stderr.count("\n") == 1 and stderr.startswith("tcptop: "), f"{shown}: {stderr[:300]!r}"
            assert LONG_NAMES.get(option, option).lstrip("-") in stderr, f"{shown}: {stderr[:300]!r}"
            assert len(stderr) < 300, f"{shown}: a {len(stderr)}-byte message"
            assert "\x1b" not in stderr, f"{shown}: the terminal escape reached stderr"


def test_each_kind_of_bad_argument_exits_2():
    for args, named in BAD:
        result = run(*args)
        stderr = result.stderr.decode()
        assert result.returncode == 2, f"{args}: exit {result.returncode}, stderr {stderr!r}"
        assert result.stdout == b"", f"{args}: wrote {result.stdout!r}"
        assert stderr.count("\n") == 1 and stderr.startswith("tcptop: "), f"{args}: {stderr!r}"
        assert named in stderr, f"{args}: {stderr!r} does not name {named!r}"


def test_good_spellings_are_accepted():
    # --version ends parsing's work before anything runs: a good line
    # exits 0, so each spelling below is checked without privileges.
    for args in (["-i", "0.5"], ["--interval=2"], ["-i0.25"], ["-n", "3"], ["--count=1"],
                 ["-p", "1"], ["--port", "443"], ["--port=65535"], ["--tcp", "--udp"], ["-46"],
                 ["-s", "pid"], ["--sort=age"], ["-r", "5"], ["--batch"], ["--json"],
                 ["--hooks", "cgroup"], ["--hooks=fentry,cgroup"], ["--features"]):
        result = run(*args, "--version")
        assert result.returncode == 0, f"{args}: exit {result.returncode}, {result.stderr!r}"


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert re.fullmatch(rb"tcptop \(libtcptop\) \d+\.\d+\.\d+\n", result.stdout), result.stdout


def long_options(text):
    return set(re.findall(r"--[a-z]+", text))


def test_help_and_man_page_document_every_option():
    result = run("--help")
    assert result.returncode == 0 and result.stderr == b""
    help_text = result.stdout.decode()
    with open(MAN_PAGE) as man:
        man_text = man.read().replace("\\-", "-")
    expected = {"--interval", "--count", "--pid", "--port", "--tcp", "--udp", "--sort", "--rows",
                "--batch", "--json", "--help", "--version", "--collector"}
    assert expected <= long_options(help_text), expected - long_options(help_text)
    assert expected <= long_options(man_text), expected - long_options(man_text)
    for short in ("-i", "-n", "-p", "-4", "-6", "-s", "-r", "-h", "-V"):
        assert re.search(rf"(^|\s){short}[ ,]", help_text, re.M), f"{short} not in --help"
        assert re.search(rf"(^|\W){short}\W", man_text), f"{short} not in the man page"
    for section in ("EXIT STATUS", "PRIVILEGES", "JSON OUTPUT"):
        assert section in man_text, section
    for status in ("77", "2", "1", "0"):
        assert re.search(rf"^\.B {status}$", man_text, re.M), f"exit status {status} undocumented"


if __name__ == "__main__":
    run_tests(dict(globals()))
