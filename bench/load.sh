#!/usr/bin/env bash
# Load run: signed incoming-call webhooks (distinct CallSids) at switchboard on SQLite,
# and in the same run at a minimal axum server answering fixed TwiML (the ceiling of the
# HTTP stack on this machine). Prints requests/s, p50, p99, p99.9, errors, peak RSS and
# the ratio to the ceiling. The calls ring the front desk, whatever the hour
# (bench/open-rules.sh). Usage: bench/load.sh [seconds] [connections]
# With SWITCHBOARD_LOAD_DATABASE_URL=postgres://… the server runs on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-15}"
CONNECTIONS="${2:-64}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build -q --release --bin switchboard --example ceiling --example load_requests
bin="$CARGO_TARGET_DIR/release"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/examples/load_requests" 200000 http://127.0.0.1:18180/twilio/voice +12125550100 >"$work/switchboard.tsv"
"$bin/examples/load_requests" 1000 http://127.0.0.1:18181/twilio/voice +12125550100 >"$work/ceiling.tsv"

run() { # name port requests-file pid
  REQUESTS="$2" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s -s bench/load.lua "http://127.0.0.1:$1/twilio/voice" | grep RESULT
}

"$bin/examples/ceiling" 127.0.0.1:18181 & ceiling=$!
sleep 0.5
ceiling_result=$(run 18181 "$work/ceiling.tsv")

bench/open-rules.sh "$work/rules"
SWITCHBOARD_RULES_DIR="$work/rules" DATABASE_URL="${SWITCHBOARD_LOAD_DATABASE_URL:-sqlite://$work/load.db?mode=rwc}" SWITCHBOARD_BIND=127.0.0.1:18180 \
  SWITCHBOARD_OUTBOX_WORKER=false RUST_LOG=warn "$bin/switchboard" serve >"$work/server.log" 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18180/health >/dev/null && break; sleep 0.1; done
server_result=$(run 18180 "$work/switchboard.tsv")
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# A 200 means the call is committed, and a commit waits for the disk to flush: one batch
# of at most CONNECTIONS calls per flush bounds the requests/s on this disk.
flush_ms=$(dd if=/dev/zero of="$work/flush" bs=4k count=200 oflag=dsync 2>&1 | awk '/copied/ {printf "%.2f", $(NF-3) * 1000 / 200}')

rps() { sed -E 's/.*requests_per_second=([0-9]+).*/\1/' <<<"$1"; }
echo "ceiling     : ${ceiling_result#RESULT }"
echo "switchboard : ${server_result#RESULT } peak_rss_mb=$((peak_kb / 1024))"
echo "ratio to ceiling: $(awk -v a="$(rps "$server_result")" -v b="$(rps "$ceiling_result")" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
echo "disk flush: ${flush_ms} ms (dd oflag=dsync, 4 KiB); durable-commit bound at $CONNECTIONS connections: $(awk -v c="$CONNECTIONS" -v f="$flush_ms" 'BEGIN { printf "%d", c * 1000 / f }') requests/s"
