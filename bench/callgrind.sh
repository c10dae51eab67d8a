#!/usr/bin/env bash
# Instructions per incoming call: switchboard serve (release build, SQLite) runs under
# valgrind's callgrind while wrk posts bench/load.sh's signed webhooks at it; counting
# starts once the server is up, so start-up is left out. Instruction counts barely move
# with the machine's other tenants, unlike requests/s, so this is the figure to compare
# builds by. Prints instructions per request and the functions that cost the most, and
# leaves the profile in $CARGO_TARGET_DIR/callgrind.out for callgrind_annotate.
# Usage: bench/callgrind.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-6}"
CONNECTIONS="${2:-64}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"
if ! command -v wrk >/dev/null || ! command -v valgrind >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk valgrind
fi
cargo build -q --release --bin switchboard --example load_requests
bin="$CARGO_TARGET_DIR/release"
out="$CARGO_TARGET_DIR/callgrind.out"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/examples/load_requests" 50000 http://127.0.0.1:18182/twilio/voice +12125550100 >"$work/requests.tsv"
bench/open-rules.sh "$work/rules"
SWITCHBOARD_RULES_DIR="$work/rules" DATABASE_URL="sqlite://$work/load.db?mode=rwc" SWITCHBOARD_BIND=127.0.0.1:18182 SWITCHBOARD_OUTBOX_WORKER=false \
  RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
  "$bin/switchboard" serve >"$work/server.log" 2>&1 & server=$!
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:18182/health >/dev/null && break; sleep 0.2; done
callgrind_control -i on "$server" >/dev/null 2>&1
REQUESTS="$work/requests.tsv" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 30s -s bench/load.lua \
  http://127.0.0.1:18182/twilio/voice >"$work/wrk.out"
callgrind_control -i off "$server" >/dev/null 2>&1
kill -INT "$server"
wait "$server" || true

requests=$(sed -nE 's/.*requests=([0-9]+).*/\1/p' "$work/wrk.out")
grep RESULT "$work/wrk.out"
callgrind_annotate --inclusive=yes "$out" >"$work/annotated"
total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }' "$work/annotated")
echo "instructions per request: $((total / requests)) ($total over $requests requests, $CONNECTIONS connections)"
echo "most costly functions, inclusive, per request:"
grep -E '^ *[0-9,]+ \(' "$work/annotated" | grep 'switchboard::' | head -25 |
  sed -E 's/^ *([0-9,]+) \( *[0-9.]+%\) +[^:]*:(.*) \[[^]]*\]$/\1 \2/' |
  awk -v n="$requests" '{ c = $1; gsub(",", "", c); $1 = ""; printf "%9d %s\n", c / n, substr($0, 2, 130) }'
