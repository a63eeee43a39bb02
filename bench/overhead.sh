#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overhead.sh: data-path cost of libtcptop vs. no monitor vs. a bpftrace byte counter (loopback TCP/UDP).
#
# Usage: [ROUNDS=5] [SECONDS_PER_RUN=3] [ARMS="none hook-floor libtcptop libtcptop-tcp bpftrace"] \
#        [WORKLOADS="tcp udp-latency udp-throughput one-remote-latency many-remotes-latency
#                    one-remote-throughput many-remotes-throughput"] \
#        [TCPTOP=build/examples/tcptop/tcptop] [HOOK_FLOOR=build/bench/hook-floor] \
#        [UDP_REMOTES=build/bench/udp-remotes] [REMOTES=10000] bench/overhead.sh [--quick]
#
# Arms (what is attached while the workloads run):
#   none        nothing
#   hook-floor  "$HOOK_FLOOR": cgroup_skb programs that return at once, the
#               price of the hook kind libtcptop counts UDP with
#   libtcptop   "$TCPTOP" --batch --interval 1 > /dev/null (TCP and UDP)
#   libtcptop-tcp  the same with --tcp: no UDP accounting, no cgroup_skb hook
#   bpftrace    a per-event byte count per socket on sock:sock_send_length and
#               sock:sock_recv_length (the reference peer)
# Workloads, run once per arm per round, against servers started once:
#   TCP throughput: iperf3 -c 127.0.0.1 -l 64 -t SECONDS_PER_RUN -J
#                   (client on the first CPU, server on the second)
#   UDP latency:    sockperf ping-pong -i 127.0.0.1 -m 64 -t SECONDS_PER_RUN
#                   (client and server on the first CPU)
#   UDP throughput: iperf3 -c 127.0.0.1 -u -l 64 -b 0 -t SECONDS_PER_RUN -J,
#                   the sender's rate (client on the first CPU, server on
#                   the second)
#   one remote / many remotes, latency and throughput: udp-remotes with 1
#                   and with REMOTES client sockets on 127.x.y.z answered by
#                   one server socket, 64-byte datagrams (latency: round-trip
#                   median, both on the first CPU; throughput: sender rate,
#                   server on the second): a socket's first remote is counted
#                   in its socket storage, the others in the flow table
#                   (udp-remotes starts its own server for each run)
# The workloads are pinned because on a VM a wake-up on another CPU costs
# an inter-processor interrupt worth several times the loopback path: left
# to the scheduler, the latency jumps between two levels from run to run.
# Each round runs the arms in a rotated order, so no arm always goes first.
# Progress goes to stderr; the final report (Markdown) goes to stdout.
#
# Other settings (environment): IPERF_PORT (5299), SOCKPERF_PORT (11111),
# REMOTES_PORT (5354), ATTACH_TIMEOUT (30 s allowed for a monitor to attach).

set -euo pipefail

# --- settings ----------------------------------------------------------------

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

# shell_quote WORD: WORD as the shell would need it typed.
shell_quote() {
	if [[ "$1" =~ ^[][A-Za-z0-9_./:=+,@%-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}
# Record the command line as given, with the settings that came from the
# environment, before defaults are filled in.
cmdline=""
for var in ROUNDS SECONDS_PER_RUN ARMS WORKLOADS TCPTOP HOOK_FLOOR UDP_REMOTES REMOTES IPERF_PORT \
	SOCKPERF_PORT REMOTES_PORT ATTACH_TIMEOUT; do
	if [[ -n "${!var+set}" ]]; then
		cmdline+="$var=$(shell_quote "${!var}") "
	fi
done
cmdline+=$(shell_quote "$0")
for arg in "$@"; do
	cmdline+=" $(shell_quote "$arg")"
done

usage() {
	sed -n '3,44s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

quick=0
for arg in "$@"; do
	case "$arg" in
	--quick) quick=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "overhead.sh: unknown argument: $arg (try --help)" >&2
		exit 2
		;;
	esac
done

if ((quick)); then
	ROUNDS=1
	SECONDS_PER_RUN=1
fi
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
ARMS=${ARMS:-none hook-floor libtcptop libtcptop-tcp bpftrace}
known_workloads="tcp udp-latency udp-throughput one-remote-latency many-remotes-latency one-remote-throughput many-remotes-throughput"
WORKLOADS=${WORKLOADS:-$known_workloads}
UDP_REMOTES=${UDP_REMOTES:-$repo_root/build/bench/udp-remotes}
REMOTES=${REMOTES:-10000}
REMOTES_PORT=${REMOTES_PORT:-5354}
TCPTOP=${TCPTOP:-$repo_root/build/examples/tcptop/tcptop}
HOOK_FLOOR=${HOOK_FLOOR:-$repo_root/build/bench/hook-floor}
IPERF_PORT=${IPERF_PORT:-5299}
SOCKPERF_PORT=${SOCKPERF_PORT:-11111}
ATTACH_TIMEOUT=${ATTACH_TIMEOUT:-30}

TRACEFS=/sys/kernel/tracing

# The bpftrace arm: bytes per socket, counted on every send and receive call.
# END clears the map so that nothing is printed when it stops.
BPFTRACE_PROGRAM='
tracepoint:sock:sock_send_length /args->ret > 0/ { @b[args->sk] = sum(args->ret); }
tracepoint:sock:sock_recv_length /args->ret > 0/ { @b[args->sk] = sum(args->ret); }
END { clear(@b); }
'

# --- helpers -----------------------------------------------------------------

log() {
	echo "overhead.sh: $*" >&2
}

die() {
	log "error: $*"
	exit 1
}

is_uint() {
	[[ "$1" =~ ^[0-9]+$ ]]
}

# Background processes still to be stopped at exit.
bg_pids=()

track() {
	bg_pids+=("$1")
}

untrack() {
	local pid kept=()
	for pid in "${bg_pids[@]}"; do
		[[ "$pid" == "$1" ]] || kept+=("$pid")
	done
	bg_pids=("${kept[@]}")
}

# target PID: what to signal for PID: its whole process group ("-PID") when
# it leads one (the monitors are started with setsid, so that children they
# may spawn are stopped with them), else PID alone.
target() {
	local stat pgid
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo "$1"; return 0; }
	stat=${stat##*) }          # fields after "pid (comm) "
	read -r _ _ pgid _ <<<"$stat" # state ppid pgrp
	if [[ "$pgid" == "$1" ]]; then echo "-$1"; else echo "$1"; fi
}

alive() {
	kill -0 "$1" 2>/dev/null
}

# live TARGET...: prints the targets (see target) that still have a process.
live() {
	local t
	for t in "$@"; do
		if kill -0 -- "$t" 2>/dev/null; then printf ' %s' "$t"; fi
	done
}

# wait_gone SECONDS TARGET...: wait until no process is left in any of the
# targets (see target), at most SECONDS.
wait_gone() {
	local deadline=$((SECONDS + $1)) t left
	shift
	while :; do
		left=0
		for t in "$@"; do
			if kill -0 -- "$t" 2>/dev/null; then left=1; fi
		done
		((left)) || return 0
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# stop PID...: SIGINT, then SIGTERM after 5 s, then SIGKILL after 3 s more
# (to the process group of those that lead one); reap them and forget them.
# Never blocks for more than about 8 s.
stop() {
	local pid targets=()
	(($# > 0)) || return 0
	for pid in "$@"; do targets+=("$(target "$pid")"); done
	for pid in "${targets[@]}"; do kill -INT -- "$pid" 2>/dev/null || true; done
	if ! wait_gone 5 "${targets[@]}"; then
		log "still running 5 s after SIGINT, sending SIGTERM:$(live "${targets[@]}")"
		for pid in "${targets[@]}"; do kill -TERM -- "$pid" 2>/dev/null || true; done
		if ! wait_gone 3 "${targets[@]}"; then
			log "still running 3 s after SIGTERM, sending SIGKILL:$(live "${targets[@]}")"
			for pid in "${targets[@]}"; do kill -KILL -- "$pid" 2>/dev/null || true; done
		fi
	fi
	for pid in "$@"; do
		wait "$pid" 2>/dev/null || true
		untrack "$pid"
	done
}

workdir=""

cleanup() {
	local status=$?
	# Cleanup is bounded (see stop); a second Ctrl-C must not cut it short.
	trap '' INT TERM
	trap - EXIT
	stop "${bg_pids[@]}"
	if [[ -n "$workdir" && -d "$workdir" ]]; then
		if ((status == 0)); then
			rm -rf "$workdir"
		else
			log "logs kept in $workdir"
		fi
	fi
	exit "$status"
}

# show_log FILE: the end of a log, to explain a failure.
show_log() {
	if [[ -s "$1" ]]; then
		log "last lines of $1:"
		tail -n 20 "$1" | sed 's/^/    /' >&2
	fi
}

# run_bounded SECONDS OUTFILE COMMAND...: run COMMAND with its output in
# OUTFILE, killed after SECONDS.  It runs in the background and is waited for,
# so that Ctrl-C or SIGTERM reach the script at once and cleanup can stop it.
run_bounded() {
	local limit=$1 out=$2 pid rc=0
	shift 2
	timeout -k 5 "$limit" "$@" </dev/null >"$out" 2>&1 &
	pid=$!
	track "$pid"
	wait "$pid" || rc=$?
	untrack "$pid"
	return "$rc"
}

# port_listening tcp|udp PORT
port_listening() {
	local flag=-lnt
	[[ "$1" == udp ]] && flag=-lnu
	[[ -n "$(ss -H "$flag" "sport = :$2" 2>/dev/null)" ]]
}

# wait_listening NAME PID tcp|udp PORT LOG
wait_listening() {
	local deadline=$((SECONDS + 10))
	until port_listening "$3" "$4"; do
		alive "$2" || { show_log "$5"; die "$1 exited during startup"; }
		((SECONDS < deadline)) || { show_log "$5"; die "$1 is not listening on $3 port $4 after 10 s"; }
		sleep 0.1
	done
}

# attachments PID: prints "<count> <program names>" for the BPF attachments
# that process PID and its descendants hold: perf-event and raw-tracepoint
# attachments (as `bpftool perf show` lists them) plus bpf_link file
# descriptors (found in /proc/PID/fdinfo; these cover tp_btf, cgroup,
# sockops and iterator links).  A descriptor found both ways counts once.
attachments() {
	python3 - "$1" <<'EOF'
import json, os, subprocess, sys

root = int(sys.argv[1])

# The process and its descendants (a monitor might leave the BPF work to a child).
children = {}
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
pids, todo = set(), [root]
while todo:
    p = todo.pop()
    if p not in pids:
        pids.add(p)
        todo.extend(children.get(p, []))

def bpftool_json(*args):
    try:
        out = subprocess.run(["bpftool", *args, "-j"], capture_output=True,
                             text=True, timeout=10).stdout
        return json.loads(out or "[]")
    except (OSError, ValueError, subprocess.SubprocessError):
        return []

fds, prog_ids = set(), set()
for entry in bpftool_json("perf", "show"):
    if entry.get("pid") in pids:
        fds.add((entry["pid"], entry.get("fd")))
        prog_ids.add(entry.get("prog_id"))
for pid in pids:
    fdinfo_dir = f"/proc/{pid}/fdinfo"
    try:
        names = os.listdir(fdinfo_dir)
    except OSError:
        continue
    for name in names:
        try:
            with open(os.path.join(fdinfo_dir, name)) as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if "link_id" in fields:
            fds.add((pid, int(name)))
            if "prog_id" in fields:
                prog_ids.add(int(fields["prog_id"].strip()))
prog_names = sorted({p.get("name", "?") for p in bpftool_json("prog", "show")
                     if p.get("id") in prog_ids})
print(len(fds), ",".join(prog_names) or "-")
EOF
}

# wait_attached NAME PID LOG: wait until process PID holds at least one BPF
# attachment and the number of its attachments has stayed the same for two
# polls 0.5 s apart (a loader attaches its programs one after the other).
# This checks the kernel's view of what is attached, not program names or
# log lines: a program that is loaded is not necessarily attached yet, and it
# does not depend on how the project names its programs.
wait_attached() {
	local name=$1 pid=$2 logf=$3 deadline=$((SECONDS + ATTACH_TIMEOUT))
	local count progs prev=-1 info
	while :; do
		alive "$pid" || { show_log "$logf"; die "$name exited before it attached"; }
		info=$(attachments "$pid") || info="0 -"
		count=${info%% *}
		is_uint "$count" || count=0
		progs=${info#* }
		if ((count > 0 && count == prev)); then
			log "$name attached: $count attachment(s), programs: $progs"
			return 0
		fi
		prev=$count
		((SECONDS < deadline)) || {
			show_log "$logf"
			die "$name did not attach any BPF program within ${ATTACH_TIMEOUT} s"
		}
		sleep 0.5
	done
}

# --- checks ------------------------------------------------------------------

if ((EUID != 0)); then
	echo "overhead.sh: must run as root (it attaches eBPF programs and needs tracefs); try: sudo $0 $*" >&2
	exit 1
fi

for var in ROUNDS SECONDS_PER_RUN ATTACH_TIMEOUT; do
	if ! is_uint "${!var}" || ((10#${!var} == 0)); then
		die "$var must be a positive integer, not '${!var}'"
	fi
done
is_uint "$IPERF_PORT" || die "IPERF_PORT must be a port number"
is_uint "$SOCKPERF_PORT" || die "SOCKPERF_PORT must be a port number"

read -r -a arms <<<"$ARMS"
((${#arms[@]} > 0)) || die "ARMS is empty"
declare -A seen=()
need_bpftool=0
for arm in "${arms[@]}"; do
	case "$arm" in
	none) ;;
	hook-floor | libtcptop | libtcptop-tcp | bpftrace) need_bpftool=1 ;;
	*) die "unknown arm '$arm' in ARMS (known: none hook-floor libtcptop libtcptop-tcp bpftrace)" ;;
	esac
	[[ -z "${seen[$arm]:-}" ]] || die "arm '$arm' appears twice in ARMS"
	seen[$arm]=1
done

need_cmds=(iperf3 sockperf python3 ss timeout setsid taskset)
((need_bpftool)) && need_cmds+=(bpftool)
[[ -n "${seen[bpftrace]:-}" ]] && need_cmds+=(bpftrace)
for cmd in "${need_cmds[@]}"; do
	command -v "$cmd" >/dev/null ||
		die "'$cmd' not found (apt-get install -y iperf3 sockperf bpftrace bpftool python3 iproute2)"
done

if [[ -n "${seen[libtcptop]:-}${seen[libtcptop-tcp]:-}" && ! -x "$TCPTOP" ]]; then
	die "tcptop not found at $TCPTOP: build it first (cd $repo_root && meson setup build && meson compile -C build), set TCPTOP, or run without it: ARMS=\"none bpftrace\" $0"
fi

if [[ -n "${seen[hook-floor]:-}" ]]; then
	[[ -x "$HOOK_FLOOR" ]] ||
		die "hook-floor not found at $HOOK_FLOOR: build it first (meson configure $repo_root/build -Dbench=enabled && meson compile -C $repo_root/build), set HOOK_FLOOR, or leave it out of ARMS"
	cgroup2_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[[ -n "$cgroup2_root" ]] || die "no cgroup v2 hierarchy is mounted (the hook-floor arm attaches to its root)"
fi

if [[ -n "${seen[bpftrace]:-}" ]]; then
	# bpftrace resolves tracepoints through tracefs, which is not always
	# mounted here.  It is mounted if needed and left mounted.
	if [[ ! -d "$TRACEFS/events" ]]; then
		mount -t tracefs tracefs "$TRACEFS" || die "cannot mount tracefs at $TRACEFS"
		log "mounted tracefs at $TRACEFS (left mounted)"
	fi
	[[ -d "$TRACEFS/events/sock/sock_send_length" ]] ||
		die "tracepoint sock:sock_send_length not found (it exists from Linux 6.3 on)"
fi

read -r -a workloads <<<"$WORKLOADS"
((${#workloads[@]} > 0)) || die "WORKLOADS is empty"
for workload in "${workloads[@]}"; do
	[[ " $known_workloads " == *" $workload "* ]] || die "unknown workload '$workload' in WORKLOADS (known: $known_workloads)"
	if [[ "$workload" == *remote* && ! -x "$UDP_REMOTES" ]]; then
		die "udp-remotes not found at $UDP_REMOTES: build it first (meson configure $repo_root/build -Dbench=enabled && meson compile -C $repo_root/build), set UDP_REMOTES, or leave the remote workloads out of WORKLOADS"
	fi
done
is_uint "$REMOTES" && ((REMOTES >= 1 && REMOTES <= 65536)) || die "REMOTES must be from 1 to 65536, not '$REMOTES'"

if port_listening tcp "$IPERF_PORT"; then
	die "TCP port $IPERF_PORT is already in use; set IPERF_PORT"
fi
if port_listening udp "$SOCKPERF_PORT"; then
	die "UDP port $SOCKPERF_PORT is already in use; set SOCKPERF_PORT"
fi

if command -v bpftool >/dev/null; then
	others=$(python3 -c '
import json, subprocess
n = 0
for what in ("perf", "link"):
    try:
        out = subprocess.run(["bpftool", what, "show", "-j"], capture_output=True, text=True, timeout=10).stdout
        n += len(json.loads(out or "[]"))
    except Exception:
        pass
print(n)')
	if ((others > 0)); then
		log "warning: $others BPF attachment(s) already present system-wide; every arm, 'none' included, runs with them"
	fi
fi

# --- run ---------------------------------------------------------------------

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The CPUs the workloads are pinned to: the first two this script may use.
read -r first_cpu second_cpu _ < <(python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(c[0], c[min(1, len(c) - 1)])')

workdir=$(mktemp -d /tmp/tcptop-overhead.XXXXXX)
results="$workdir/results.tsv"
: >"$results"

taskset -c "$second_cpu" iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT" </dev/null >"$workdir/iperf3-server.log" 2>&1 &
iperf_server=$!
track "$iperf_server"
taskset -c "$first_cpu" sockperf server -i 127.0.0.1 -p "$SOCKPERF_PORT" </dev/null >"$workdir/sockperf-server.log" 2>&1 &
sockperf_server=$!
track "$sockperf_server"
wait_listening "iperf3 server" "$iperf_server" tcp "$IPERF_PORT" "$workdir/iperf3-server.log"
wait_listening "sockperf server" "$sockperf_server" udp "$SOCKPERF_PORT" "$workdir/sockperf-server.log"

monitor_pid=""
monitor_log=""

# start_monitor ARM: start the arm's monitor and return once it is attached.
start_monitor() {
	monitor_pid=""
	monitor_log="$workdir/monitor-$1.log"
	case "$1" in
	none) return 0 ;;
	hook-floor)
		setsid "$HOOK_FLOOR" "$cgroup2_root" </dev/null >/dev/null 2>"$monitor_log" &
		monitor_pid=$!
		track "$monitor_pid"
		;;
	libtcptop | libtcptop-tcp)
		local only_tcp=()
		[[ "$1" == libtcptop-tcp ]] && only_tcp=(--tcp)
		# setsid: a process group of its own, which stop() signals as a whole.
		setsid "$TCPTOP" --batch --interval 1 "${only_tcp[@]}" </dev/null >/dev/null 2>"$monitor_log" &
		monitor_pid=$!
		track "$monitor_pid"
		;;
	bpftrace)
		setsid bpftrace -e "$BPFTRACE_PROGRAM" </dev/null >"$monitor_log" 2>&1 &
		monitor_pid=$!
		track "$monitor_pid"
		# bpftrace prints "Attaching N probes..." when its programs are
		# loaded, just before it attaches them; wait_attached below then
		# checks that the attachments really exist.
		local deadline=$((SECONDS + ATTACH_TIMEOUT))
		until grep -q '^Attaching' "$monitor_log"; do
			alive "$monitor_pid" || { show_log "$monitor_log"; die "bpftrace exited during startup"; }
			((SECONDS < deadline)) || {
				show_log "$monitor_log"
				die "bpftrace did not print 'Attaching' within ${ATTACH_TIMEOUT} s"
			}
			sleep 0.1
		done
		;;
	esac
	wait_attached "$1" "$monitor_pid" "$monitor_log"
	# Let its start-up work (first scan of existing sockets, first report)
	# pass, so that the runs see the steady state.
	sleep 1
}

# stop_monitor ARM: stop it, after checking that it lived through the runs.
stop_monitor() {
	[[ -n "$monitor_pid" ]] || return 0
	alive "$monitor_pid" || { show_log "$monitor_log"; die "$1 died during the measurement"; }
	stop "$monitor_pid"
	monitor_pid=""
}

# parse_iperf3 JSON_FILE: prints the sender's throughput in bit/s. For UDP
# too: on loopback the sending CPU runs both the egress hook and the
# receive path up to the socket (with the ingress hook), so the sender's
# rate carries the per-datagram cost of both; what the receiving process
# then reads depends on how its queue overflows, which swings by a third
# from run to run.
parse_iperf3() {
	python3 - "$1" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
if "error" in d:
    sys.exit("iperf3: " + d["error"])
print(d["end"]["sum_sent"]["bits_per_second"])
EOF
}

# parse_sockperf LOG: prints the median latency (usec; sockperf reports half
# the round trip) from the "percentile 50.000 = ..." line.
parse_sockperf() {
	python3 - "$1" <<'EOF'
import re, sys
with open(sys.argv[1], errors="replace") as f:
    m = re.search(r"percentile 50\.000\s*=\s*([0-9.]+)", f.read())
if not m:
    sys.exit("no 'percentile 50.000' line")
print(m.group(1))
EOF
}

# parse_udp_remotes JSON_FILE FIELD: prints FIELD of udp-remotes' JSON line.
parse_udp_remotes() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    print(json.loads(f.read().strip().splitlines()[-1])[sys.argv[2]])
EOF
}

# The workloads run in this shell, not inside $(...), so that the traps and
# the list of background processes to clean up cover them; each leaves its
# result in `value`.
value=""

# run_workload NAME OUT: one run of workload NAME, its output in OUT.
run_workload() {
	local name=$1 out=$2 bound=$((SECONDS_PER_RUN + 20)) what reading
	local -a command parser
	case "$name" in
	tcp)
		command=(taskset -c "$first_cpu" iperf3 -c 127.0.0.1 -p "$IPERF_PORT" -l 64 -t "$SECONDS_PER_RUN" -J)
		parser=(parse_iperf3 "$out")
		what="iperf3 client"
		reading="the throughput from iperf3's JSON" ;;
	udp-latency)
		command=(taskset -c "$first_cpu" sockperf ping-pong -i 127.0.0.1 -p "$SOCKPERF_PORT" -m 64 -t "$SECONDS_PER_RUN")
		parser=(parse_sockperf "$out")
		what="sockperf client"
		reading="the median latency from sockperf's output" ;;
	udp-throughput)
		command=(taskset -c "$first_cpu" iperf3 -c 127.0.0.1 -p "$IPERF_PORT" -u -l 64 -b 0 -t "$SECONDS_PER_RUN" -J)
		parser=(parse_iperf3 "$out")
		what="iperf3 UDP client"
		reading="the UDP throughput from iperf3's JSON" ;;
	*-remote*-*)
		# one-remote-latency ... many-remotes-throughput: latency pins both
		# ends to the first CPU, throughput puts the server on the second.
		local remotes=1 mode=latency field=p50_us server_cpu=$first_cpu
		[[ "$name" == many-remotes-* ]] && remotes=$REMOTES
		[[ "$name" == *-throughput ]] && { mode=throughput; field=rate_per_s; server_cpu=$second_cpu; }
		command=("$UDP_REMOTES" --remotes "$remotes" --mode "$mode" --seconds "$SECONDS_PER_RUN" --size 64
			--port "$REMOTES_PORT" --client-cpu "$first_cpu" --server-cpu "$server_cpu")
		parser=(parse_udp_remotes "$out" "$field")
		bound=$((SECONDS_PER_RUN + 30))
		what="udp-remotes"
		reading="udp-remotes' result" ;;
	esac
	run_bounded "$bound" "$out" "${command[@]}" || { show_log "$out"; die "$what failed"; }
	value=$("${parser[@]}") || { show_log "$out"; die "cannot read $reading"; }
}

log "$ROUNDS round(s) of ${SECONDS_PER_RUN} s runs; arms: ${arms[*]}; workloads: ${workloads[*]}; logs in $workdir"
n_arms=${#arms[@]}
for ((round = 0; round < ROUNDS; round++)); do
	for ((i = 0; i < n_arms; i++)); do
		# Rotate the order by one arm each round.
		arm=${arms[(round + i) % n_arms]}
		start_monitor "$arm"
		summary=""
		for workload in "${workloads[@]}"; do
			run_workload "$workload" "$workdir/$workload-r$((round + 1))-$arm.out"
			printf '%s\t%s\t%s\t%s\n' "$((round + 1))" "$arm" "$workload" "$value" >>"$results"
			summary+=" $workload $value;"
		done
		stop_monitor "$arm"
		log "round $((round + 1))/$ROUNDS $arm:$summary"
		sleep 0.5
	done
done

stop "$iperf_server" "$sockperf_server"

# --- report ------------------------------------------------------------------

python3 - "$results" "$(uname -srm)" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$cmdline" \
	"$ROUNDS" "$SECONDS_PER_RUN" "$(nproc)" "$REMOTES" "${arms[@]}" <<'EOF'
import statistics, sys

results, kernel, date, cmdline, rounds, secs, ncpu, remotes, *arms = sys.argv[1:]
# name: (column title, unit, scale from the raw value, higher is better)
known = {
    "tcp": ("TCP throughput", "Gbit/s", 1e-9, True),
    "udp-latency": ("UDP latency p50", "usec", 1, False),
    "udp-throughput": ("UDP throughput", "Mbit/s", 1e-6, True),
    "one-remote-latency": ("1 remote, RTT p50", "usec", 1, False),
    "many-remotes-latency": (f"{int(remotes):,} remotes, RTT p50", "usec", 1, False),
    "one-remote-throughput": ("1 remote, sent", "kdatagram/s", 1e-3, True),
    "many-remotes-throughput": (f"{int(remotes):,} remotes, sent", "kdatagram/s", 1e-3, True),
}
samples = {}
with open(results) as f:
    for line in f:
        _, arm, workload, value = line.rstrip("\n").split("\t")
        samples.setdefault(workload, {a: [] for a in arms})[arm].append(
            float(value) * known[workload][2])
workloads = [w for w in known if w in samples]
median = {w: {a: statistics.median(samples[w][a]) for a in arms} for w in workloads}

def ratio(value, base):
    return "n/a" if not base else f"{value / base:.3f}"

print("### Monitoring overhead on the data path (loopback)")
print()
print(f"- date: {date}")
print(f"- kernel: {kernel}, {ncpu} CPUs")
print(f"- command: `{cmdline}`")
print(f"- {rounds} interleaved round(s) of {secs} s per run, medians; `bench/overhead.sh --help`"
      " describes each workload")
print()
for w in workloads:
    title, unit, _, higher = known[w]
    print(f"**{title} ({unit})**, " + ("higher" if higher else "lower") + " is better:")
    print()
    print("| arm | value | vs none | vs hook-floor |")
    print("|---|---:|---:|---:|")
    for a in arms:
        print(f"| {a} | {median[w][a]:.3f} | {ratio(median[w][a], median[w].get('none'))} | "
              f"{ratio(median[w][a], median[w].get('hook-floor'))} |")
    print()
print("Per-round samples:")
print()
for w in workloads:
    for a in arms:
        print(f"- {w}, {a}: " + ", ".join(f"{v:.3f}" for v in samples[w][a]))
EOF
