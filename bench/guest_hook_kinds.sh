#!/bin/sh
# SPDX-License-Identifier: MIT
# guest_hook_kinds.sh BUILD ROUNDS: run inside the 6.1 guest by
# guest_hook_kinds.py. UDP ping-pong median latency under each arm, rounds
# interleaved; prints one "@@arm ROUND ARM P50" line per run.
build=$1
rounds=$2
tcptop=$build/examples/tcptop/tcptop
taskset -c 0 sockperf server -i 127.0.0.1 -p 11111 >/dev/null 2>&1 &
sleep 2
round=1
while [ "$round" -le "$rounds" ]; do
	for arm in none hook-floor cgroup fentry; do
		case $arm in
		hook-floor) "$build/bench/hook-floor" /sys/fs/cgroup & monitor=$! ;;
		cgroup | fentry) "$tcptop" --batch -i 1 --udp --hooks "$arm" >/dev/null 2>&1 & monitor=$! ;;
		esac
		# Past the monitor's start-up (probe, load, first walk).
		[ "$arm" = none ] || sleep 4
		p50=$(taskset -c 0 sockperf ping-pong -i 127.0.0.1 -p 11111 -m 64 -t 4 2>&1 |
			awk '/percentile 50.000/ { print $NF }')
		echo "@@arm $round $arm $p50"
		if [ "$arm" != none ]; then
			kill -INT "$monitor"
			wait "$monitor"
		fi
	done
	round=$((round + 1))
done
