#!/usr/bin/env bash
# Load run: signed incoming-call webhooks (distinct CallSids) at switchboard on SQLite,
# and in the same run at a minimal axum server answering fixed TwiML (the ceiling of the
# HTTP stack on this machine). Prints requests/s, p50, p99, p99.9, errors, peak RSS and
# the ratio to the ceiling, then where switchboard's run spent its CPU (per request: the
# server, wrk, and a local PostgreSQL's processes) and its batches' time (/metrics). The
# calls ring the front desk, whatever the hour (bench/open-rules.sh).
# Usage: bench/load.sh [seconds] [connections]
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

run() { # port requests-file
  REQUESTS="$2" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s -s bench/load.lua "http://127.0.0.1:$1/twilio/voice" | grep RESULT
}

# CPU over each run, in clock ticks: the server's own (/proc), wrk's (this shell's
# reaped children, from `times`), and every local PostgreSQL process's, each once.
. bench/cpu.sh
# `times` is run in this shell, not a subshell, whose children's times start at zero.
children_ticks() { awk -v hz="$(getconf CLK_TCK)" 'NR == 2 { gsub(/[ms]/, " "); print int(hz * ($1 * 60 + $2 + $3 * 60 + $4)) }' "$1"; }

"$bin/examples/ceiling" 127.0.0.1:18181 & ceiling=$!
sleep 0.5
times >"$work/times.c0"
ceiling_0=$(ticks "$ceiling")
ceiling_result=$(run 18181 "$work/ceiling.tsv")
times >"$work/times.c1"
ceiling_1=$(ticks "$ceiling")
ceiling_wrk_ticks=$(($(children_ticks "$work/times.c1") - $(children_ticks "$work/times.c0")))

bench/open-rules.sh "$work/rules"
SWITCHBOARD_RULES_DIR="$work/rules" DATABASE_URL="${SWITCHBOARD_LOAD_DATABASE_URL:-sqlite://$work/load.db?mode=rwc}" SWITCHBOARD_BIND=127.0.0.1:18180 \
  SWITCHBOARD_OUTBOX_WORKER=false RUST_LOG=warn "$bin/switchboard" serve >"$work/server.log" 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18180/health >/dev/null && break; sleep 0.1; done
times >"$work/times.0"
server_0=$(ticks "$server") pg_0=$(postgres_ticks)
server_result=$(run 18180 "$work/switchboard.tsv")
times >"$work/times.1"
server_1=$(ticks "$server") pg_1=$(postgres_ticks)
wrk_ticks=$(($(children_ticks "$work/times.1") - $(children_ticks "$work/times.0")))
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
metrics=$(curl -sf http://127.0.0.1:18180/metrics)

# A 200 means the call is committed, and a commit waits for the disk to flush: one batch
# of at most CONNECTIONS calls per flush bounds the requests/s on this disk.
flush_ms=$(dd if=/dev/zero of="$work/flush" bs=4k count=200 oflag=dsync 2>&1 | awk '/copied/ {printf "%.2f", $(NF-3) * 1000 / 200}')

rps() { sed -E 's/.*requests_per_second=([0-9]+).*/\1/' <<<"$1"; }
echo "ceiling     : ${ceiling_result#RESULT }"
echo "switchboard : ${server_result#RESULT } peak_rss_mb=$((peak_kb / 1024))"
echo "ratio to ceiling: $(awk -v a="$(rps "$server_result")" -v b="$(rps "$ceiling_result")" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
served() { sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$1"; }
per_request() { per "$1" "$(served "$server_result")"; }
# What the HTTP exchange alone costs, with nothing done for it: the CPU switchboard's
# own work has to fit beside.
echo "cpu µs per request at the ceiling: server=$(per $((ceiling_1 - ceiling_0)) "$(served "$ceiling_result")") wrk=$(per "$ceiling_wrk_ticks" "$(served "$ceiling_result")")"
pg_cpu=""
[[ "${SWITCHBOARD_LOAD_DATABASE_URL:-}" =~ ^postgres(ql)?://([^/]*@)?(127\.0\.0\.1|localhost)[:/] ]] && pg_cpu=" postgresql=$(per_request $((pg_1 - pg_0)))"
# wrk's figure includes its start-up: formatting the requests file (about 1.2 s of CPU for
# 200 000 requests here), which is 9 µs a request over a 10-second run.
echo "cpu µs per request: switchboard=$(per_request $((server_1 - server_0))) wrk=$(per_request "$wrk_ticks") (start-up included)$pg_cpu"
awk '/^switchboard_batch_items_(sum|count) / { b[$1] = $2 }
     /^switchboard_batch_seconds_sum / { s = $2 }
     /^switchboard_batch_stage_seconds_sum/ { split($1, k, "\""); t[k[2]] = $2 }
     END { n = b["switchboard_batch_items_count"]; if (!n) exit
           printf "batches: %d, %.1f calls each, %.2f ms each (read %.2f, decide %.2f, write and commit %.2f)\n",
             n, b["switchboard_batch_items_sum"] / n, 1000 * s / n, 1000 * t["read"] / n, 1000 * t["decide"] / n, 1000 * t["write"] / n }' <<<"$metrics"
echo "disk flush: ${flush_ms} ms (dd oflag=dsync, 4 KiB); durable-commit bound at $CONNECTIONS connections: $(awk -v c="$CONNECTIONS" -v f="$flush_ms" 'BEGIN { printf "%d", c * 1000 / f }') requests/s"
