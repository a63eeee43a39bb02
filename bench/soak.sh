#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# soak.sh: tcptop for 10 minutes under churn, idle sockets, killed owners and deleted namespaces (bench/soak.py; not in CI).
#
# Usage (root): [TCPTOP=build/examples/tcptop/tcptop] [TCP_CHURN=build/bench/tcp-churn] \
#               bench/soak.sh [--seconds 600] [--rate 2000] [--idle 20000] [--warm-up 60]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec python3 "$root/bench/soak.py" \
    --tcptop "${TCPTOP:-$root/build/examples/tcptop/tcptop}" \
    --churn "${TCP_CHURN:-$root/build/bench/tcp-churn}" "$@"
