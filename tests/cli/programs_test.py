#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop --programs: each kernel program loaded on its own; a refusal is one line naming the program and the verifier's reason.
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcptop_cli import binary, require_bpf, run_tests  # noqa: E402

PROGRAM_FIELDS = {"name", "hook", "offered", "missing", "loaded", "reason"}


def programs(*args, environment=None):
    result = subprocess.run([binary(), "--programs", "--json", *args], capture_output=True,
                            timeout=120, env={**os.environ, **(environment or {})})
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr.decode()}"
    lines = result.stdout.decode("ascii").splitlines()
    assert len(lines) == 1, lines
    listed = json.loads(lines[0])["programs"]
    for p in listed:
        assert set(p) == PROGRAM_FIELDS, p
        assert p["loaded"] != bool(p["reason"]), f"loaded with a reason, or refused without: {p}"
        assert p["offered"] != bool(p["missing"]), f"offered and missing something, or not: {p}"
        assert "\n" not in p["reason"] and "\n" not in p["missing"], p
    return {p["name"]: p for p in listed}


def test_every_program_whose_hook_this_kernel_offers_loads():
    # The table goes to the log first: a kernel whose verifier grew
    # stricter shows here as one program and its reason.
    table = subprocess.run([binary(), "--programs"], capture_output=True, timeout=120)
    assert table.returncode == 0, table.stderr.decode()
    print(f"     on Linux {os.uname().release}:", flush=True)
    for line in table.stdout.decode().splitlines():
        print(f"     {line}", flush=True)

    found = programs()
    assert {"tcp_dump", "tcp_state_change", "tcp_closed", "udp_dump", "udp_egress",
            "udp_ingress", "sock_created", "sock_released", "socket_owner_scan"} <= set(found), found
    refused_though_offered = [p for p in found.values() if p["offered"] and not p["loaded"]]
    assert not refused_though_offered, refused_though_offered
    # What is not offered is refused: the probe and the kernel agree.
    for p in found.values():
        if not p["offered"]:
            assert not p["loaded"], p


def test_a_refusal_is_the_verifiers_last_word_and_its_whole_log_goes_to_tcptop_bpf_log():
    with tempfile.TemporaryDirectory() as folder:
        log = os.path.join(folder, "bpf.log")
        found = programs(environment={"TCPTOP_TEST_BREAK_PROGRAMS": "udp_ingress",
                                      "TCPTOP_BPF_LOG": log})
        refused = found["udp_ingress"]
        assert refused["offered"] and not refused["loaded"], refused
        # A cgroup_skb program read as a socket filter reads outside its context.
        assert refused["reason"].startswith("invalid bpf_context access off="), refused
        assert found["udp_egress"]["loaded"], found["udp_egress"]
        with open(log) as written:
            text = written.read()
    # Every refusal of the run is there (the fentry programs too, where the
    # kernel cannot load them), each under a line naming it.
    lines = text.splitlines()
    header = (f"libtcptop: program udp_ingress refused by Linux {os.uname().release}: "
              f"{refused['reason']}")
    assert header in lines, text
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("libtcptop: program ")),
               len(lines))
    own_log = lines[start:end]
    assert refused["reason"] in own_log, own_log
    assert any(line.startswith("processed ") for line in own_log), own_log


def test_features_name_a_refused_program_and_the_rest_is_available():
    result = subprocess.run([binary(), "--features", "--json"], capture_output=True, timeout=60,
                            env={**os.environ, "TCPTOP_TEST_BREAK_PROGRAMS": "socket_owner_scan"})
    assert result.returncode == 0, result.stderr.decode()
    features = {f["feature"]: f for f in json.loads(result.stdout)["features"]}
    owners = features["socket_owners"]
    assert not owners["available"], owners
    assert "program socket_owner_scan (iter/task_file) refused by the kernel: " in owners["note"]
    assert features["tcp_counters"]["available"] and features["tcp_lifecycle"]["available"]


def test_start_error_names_each_refused_program():
    result = subprocess.run([binary(), "--json", "-n", "1", "--tcp"], capture_output=True,
                            timeout=60,
                            env={**os.environ,
                                 "TCPTOP_TEST_BREAK_PROGRAMS": "tcp_dump,tcp_state_change"})
    stderr = result.stderr.decode()
    assert result.returncode == 1, f"exit {result.returncode}: {stderr}"
    assert stderr.count("\n") == 1 and stderr.startswith("tcptop: nothing that was asked for"), stderr
    assert "tcp_counters: program tcp_dump (iter/tcp) refused by the kernel: " in stderr, stderr
    assert "tcp_lifecycle: program tcp_state_change (tp_btf/inet_sock_set_state) refused" in stderr


if __name__ == "__main__":
    require_bpf()
    run_tests(globals())
