#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run each fuzz target for a bounded time from a fresh seed corpus; fail on any crash.

usage: run_fuzzers.py --seed-corpus PROGRAM --artifacts DIR FUZZER...

Each FUZZER (an executable named NAME_fuzzer) runs TCPTOP_FUZZ_SECONDS
seconds (default 15) over the seeds PROGRAM writes for NAME, plus what it
finds; a crash, a leak, a sanitizer report, a timeout or running out of
memory fails the run, and the input that did it is kept in DIR.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-corpus", required=True, help="the program that writes the seeds")
    parser.add_argument("--artifacts", required=True, help="where failing inputs are kept")
    parser.add_argument("fuzzers", nargs="+")
    return parser.parse_args()


def run_one(fuzzer, corpus, artifacts, seconds):
    """(passed, one-line summary, libFuzzer's output)."""
    name = os.path.basename(fuzzer).removesuffix("_fuzzer")
    command = [fuzzer, f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=2048",
               "-print_final_stats=1", f"-artifact_prefix={artifacts}/{name}-",
               os.path.join(corpus, name)]
    # A hang of the target itself is libFuzzer's -timeout; this is for libFuzzer.
    result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                            timeout=seconds + 120)
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", result.stderr)
    units = len(os.listdir(os.path.join(corpus, name)))
    summary = (f"{name}: {int(runs.group(1)) if runs else 0:,} runs in {seconds} s, "
               f"corpus {units} inputs")
    return result.returncode == 0, summary, result.stderr


def main():
    arguments = parse_arguments()
    seconds = int(os.environ.get("TCPTOP_FUZZ_SECONDS", "15"))
    os.makedirs(arguments.artifacts, exist_ok=True)
    # UBSan only prints and goes on unless told to stop: a report must be a crash.
    os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    failed = []
    with tempfile.TemporaryDirectory(prefix="tcptop-fuzz-") as corpus:
        subprocess.run([arguments.seed_corpus, corpus], check=True)
        for fuzzer in arguments.fuzzers:
            passed, summary, output = run_one(fuzzer, corpus, arguments.artifacts, seconds)
            print(f"{summary}: {'ok' if passed else 'FAILED'}", flush=True)
            if not passed:
                failed.append(fuzzer)
                # The report and the reproducer's name, without the progress lines.
                print("\n".join(line for line in output.splitlines()
                                if not line.startswith("#")), flush=True)
    if failed:
        print(f"fuzz: {len(failed)} of {len(arguments.fuzzers)} targets failed; "
              f"failing inputs in {arguments.artifacts}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
