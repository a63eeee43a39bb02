#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One entry point on a fresh Debian 12 machine, as root: install what is
# missing, configure, build, then run the live monitor or every test.
#   scripts/dev.sh monitor [ARGS...]   build, then run tcptop with ARGS (see tcptop --help)
#   scripts/dev.sh test                build, then run all test suites; then
#                                      build again under AddressSanitizer and
#                                      UndefinedBehaviorSanitizer and run the
#                                      library's compiled tests there; then
#                                      the fuzz targets (clang, libFuzzer),
#                                      about 15 s each; then the lifecycle
#                                      and channel tests under
#                                      ThreadSanitizer
#   scripts/dev.sh bench [NAME [ARGS...]]
#                                      build with the benchmarks, then run them
#                                      all, or the one NAME (overhead: bench/
#                                      overhead.sh, sockets: bench/sockets_at_
#                                      scale.py, churn: bench/churn.py; soak:
#                                      bench/soak.sh, 10 minutes, only by
#                                      name) with ARGS (see its --help)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TCPTOP_BUILD_DIR:-$root/build}
sanitized_build=${TCPTOP_SANITIZED_BUILD_DIR:-$build-sanitized}
fuzz_build=${TCPTOP_FUZZ_BUILD_DIR:-$build-fuzz}
tsan_build=${TCPTOP_TSAN_BUILD_DIR:-$build-tsan}
# What runs under ThreadSanitizer: the tests where threads meet (the
# collector's and the C ABI's lifecycle, the hand-off channels, the loop).
tsan_tests=(lifecycle strand_channel pull_channel collection_loop)

# tmux drives the live view in the CLI tests; setpriv (util-linux) runs
# tcptop as an unprivileged user there; nm (binutils) lists the exported
# symbols; cmake writes the CMake package's version file at configure time
# and builds the packaging suite's consumer; prometheus-cpp-dev builds
# tcptop-exporter.
packages=(clang llvm libfuzzer-14-dev libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config meson ninja-build
          libboost-dev doctest-dev doxygen g++ binutils iproute2 python3 tmux util-linux cmake
          prometheus-cpp-dev)
# The kernels suite (tests/kernels/) boots Debian 12's 6.1 and 6.12 kernels
# under qemu with a busybox initramfs; it fetches the kernel packages itself.
# Debian's prometheus server (and its promtool) scrapes tcptop-exporter in
# the exporter suite. Installed without recommends: qemu's GUI, audio and
# video libraries (170 packages), prometheus's node exporter.
lean_packages=(qemu-system-x86 busybox-static prometheus)
# The workloads and the reference monitor of bench/overhead.sh (ss, of
# bench/sockets_at_scale.py, comes with iproute2).
bench_packages=(iperf3 sockperf bpftrace)

missing_of() {
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            echo "$package"
    done
}

# install_missing [EXTRA_PACKAGES...]: what every command needs, and those.
install_missing() {
    local missing lean_missing
    mapfile -t missing < <(missing_of "${packages[@]}" "$@")
    mapfile -t lean_missing < <(missing_of "${lean_packages[@]}")
    if ((${#missing[@]} + ${#lean_missing[@]})); then
        echo "dev.sh: installing ${missing[*]} ${lean_missing[*]}" >&2
        if [[ $(id -u) -ne 0 ]]; then
            echo "dev.sh: installing packages needs root (run with sudo)" >&2
            exit 1
        fi
        apt-get update -qq
        export DEBIAN_FRONTEND=noninteractive
        if ((${#missing[@]})); then
            apt-get install -y -qq "${missing[@]}" >/dev/null
        fi
        if ((${#lean_missing[@]})); then
            apt-get install -y -qq --no-install-recommends "${lean_missing[@]}" >/dev/null
        fi
    fi
}

build_all() {
    if [[ ! -f $build/build.ninja ]]; then
        meson setup "$build" "$root" >/dev/null
    fi
    meson compile -C "$build"
}

# The main build with what the benchmarks need besides tcptop (hook-floor).
build_with_bench() {
    build_all
    if [[ $(meson introspect --buildoptions "$build" |
            python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "bench"))') != enabled ]]; then
        meson configure "$build" -Dbench=enabled >/dev/null
        meson compile -C "$build"
    fi
}

# The library and its compiled tests (unit, integration, C ABI) once more,
# sanitized; the CLI and the qemu kernels are covered by the main build.
build_sanitized() {
    if [[ ! -f $sanitized_build/build.ninja ]]; then
        meson setup "$sanitized_build" "$root" -Db_sanitize=address,undefined \
            -Dexamples=false -Ddocs=disabled >/dev/null
    fi
    meson compile -C "$sanitized_build"
}

# The fuzz targets (tests/fuzz/): clang, with AddressSanitizer and
# UndefinedBehaviorSanitizer; the library's own tests and the exporter are
# not built there.
build_fuzzers() {
    if [[ ! -f $fuzz_build/build.ninja ]]; then
        CC=clang CXX=clang++ meson setup "$fuzz_build" "$root" -Dfuzzers=enabled \
            -Db_sanitize=address,undefined -Db_lundef=false -Dtests=false \
            -Ddocs=disabled -Dexporter=disabled >/dev/null
    fi
    meson compile -C "$fuzz_build"
}

# Only what tsan_tests needs is built there.
build_tsan() {
    if [[ ! -f $tsan_build/build.ninja ]]; then
        meson setup "$tsan_build" "$root" -Db_sanitize=thread -Db_lundef=false \
            -Dexamples=false -Ddocs=disabled >/dev/null
    fi
    local test targets=()
    for test in "${tsan_tests[@]}"; do
        targets+=("tests/${test}_test")
    done
    meson compile -C "$tsan_build" "${targets[@]}"
}

mount_kernel_filesystems() {
    # Iterators and tracepoints do not need them, but tools people use next
    # to the monitor (bpftool, bpftrace) do; both mounts are idempotent.
    mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
}

# meson prints its own summary for each build; this closing line, over
# all four, is the one CI reads.
report_counts() {
    python3 - "$build/meson-logs/testlog.json" "$sanitized_build/meson-logs/testlog.json" \
        "$fuzz_build/meson-logs/testlog.json" "$tsan_build/meson-logs/testlog.json" <<'PY'
import json, os, sys
passed = failed = skipped = 0
for log in sys.argv[1:]:
    if not os.path.exists(log):
        continue
    for line in open(log):
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
}

case "${1:-}" in
monitor)
    shift
    install_missing
    build_all
    mount_kernel_filesystems
    exec "$build/examples/tcptop/tcptop" "$@"
    ;;
test)
    install_missing
    build_all
    mount_kernel_filesystems
    status=0
    meson test -C "$build" --print-errorlogs --no-rebuild || status=$?
    rm -f "$sanitized_build/meson-logs/testlog.json"
    if build_sanitized; then
        # UBSan only prints and goes on unless told to stop: a report must fail the test.
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
            meson test -C "$sanitized_build" --print-errorlogs --no-rebuild || status=$?
    else
        echo "dev.sh: the sanitized build failed" >&2
        status=1
    fi
    rm -f "$fuzz_build/meson-logs/testlog.json" "$tsan_build/meson-logs/testlog.json"
    fuzz_built=0 tsan_built=0
    build_fuzzers && fuzz_built=1 || { echo "dev.sh: the fuzzing build failed" >&2; status=1; }
    build_tsan && tsan_built=1 || { echo "dev.sh: the ThreadSanitizer build failed" >&2; status=1; }
    # The fuzzers (one CPU, no BPF: they never start a collector) run beside
    # the ThreadSanitizer tests (the kernel's verifier, mostly); their
    # output follows.
    fuzz_output=$(mktemp)
    fuzz_status=0
    if ((fuzz_built)); then
        meson test -C "$fuzz_build" --print-errorlogs --no-rebuild --verbose >"$fuzz_output" 2>&1 &
        fuzz_pid=$!
    fi
    if ((tsan_built)); then
        # Any report fails the test.
        TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
            meson test -C "$tsan_build" --print-errorlogs --no-rebuild "${tsan_tests[@]}" ||
            status=$?
    fi
    if ((fuzz_built)); then
        wait "$fuzz_pid" || fuzz_status=$?
        cat "$fuzz_output"
        ((fuzz_status == 0)) || status=$fuzz_status
    fi
    rm -f "$fuzz_output"
    report_counts
    exit "$status"
    ;;
bench)
    shift
    install_missing "${bench_packages[@]}"
    # Standard output is the benchmark's report (Markdown) alone.
    build_with_bench >&2
    mount_kernel_filesystems
    export TCPTOP=$build/examples/tcptop/tcptop HOOK_FLOOR=$build/bench/hook-floor \
        UDP_REMOTES=$build/bench/udp-remotes
    overhead=("$root/bench/overhead.sh")
    sockets=("$root/bench/sockets_at_scale.py" --probe "$build/bench/snapshot-probe")
    churn=("$root/bench/churn.py" --probe "$build/bench/snapshot-probe" --churn "$build/bench/tcp-churn")
    soak=("$root/bench/soak.sh")
    collectors=("$root/bench/collectors.py" --probe "$build/bench/snapshot-probe")
    case "${1:-all}" in
    overhead) shift; exec "${overhead[@]}" "$@" ;;
    sockets) shift; exec "${sockets[@]}" "$@" ;;
    churn) shift; exec "${churn[@]}" "$@" ;;
    collectors) shift; exec "${collectors[@]}" "$@" ;;
    # Ten minutes: run on its own, not with the others.
    soak) shift; TCP_CHURN=$build/bench/tcp-churn exec "${soak[@]}" "$@" ;;
    all)
        (($# <= 1)) || { echo "dev.sh: bench: arguments go after a benchmark's name" >&2; exit 2; }
        status=0
        "${overhead[@]}" || status=$?
        echo
        "${sockets[@]}" || status=$?
        echo
        "${churn[@]}" || status=$?
        exit "$status"
        ;;
    *)
        echo "dev.sh: bench: unknown benchmark '$1' (overhead, sockets, churn, collectors, soak)" >&2
        exit 2
        ;;
    esac
    ;;
*)
    echo "usage: scripts/dev.sh monitor [TCPTOP OPTIONS...] | test | bench [overhead|sockets|churn|collectors|soak [ARGS...]]" >&2
    exit 2
    ;;
esac
