#!/usr/bin/env bash
# Every figure of how Switchboard grows, for one backend: a year of history
# (bench/history.sh: the call log, stats, the Today page, a CSV export) and many clients
# (bench/clients.sh: start, restart, memory, reload, another process, idle CPU).
# Usage: bench/scale.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${1:-sqlite}"
bench/history.sh "$BACKEND"
echo
SWITCHBOARD_BENCH_BACKEND="$BACKEND" bench/clients.sh 100 10000
