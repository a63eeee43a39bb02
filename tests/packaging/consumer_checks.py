# SPDX-License-Identifier: MIT
# Shared by the packaging tests: commands that fail loudly, and what the consumer program must print.
import os
import subprocess

CONSUMER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "consumer")


def run(command, env=None, expect_failure=False):
    """Run command: its standard output and error, or an AssertionError with
    both when it did not end as expected."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if (result.returncode != 0) != expect_failure:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}"
                             f"{' (a failure was expected)' if expect_failure else ''}\n"
                             f"{result.stdout}{result.stderr}")
    return result.stdout, result.stderr


def check_consumer(program, version, env=None):
    """Run the built consumer (consumer/main.cpp) and check every line it prints."""
    lines = run([program], env=env)[0].splitlines()
    print("\n".join(f"  consumer: {line}" for line in lines))
    assert lines[0] == f"version {version}", f"headers of another version: {lines[0]!r}"
    assert lines[1] == "address 127.0.0.1", f"format_address: {lines[1]!r}"
    assert lines[2].startswith("refused invalid_option: ") and "interval" in lines[2], \
        f"a zero interval was not refused as documented: {lines[2]!r}"
    assert len(lines) == 3, f"unexpected output: {lines[3:]!r}"
