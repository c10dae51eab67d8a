#!/usr/bin/env bash
# What a long history costs: a year of calls for 100 clients (a million by default) and
# 100,000 texts, generated (examples/seed_history.rs), then the call log's pages and
# filters, a client's stats for the year, the console's Today page and call log, and a
# CSV export of every text with how much the server's memory grew meanwhile. Each time is
# the median of 7 requests on a release build; the table goes to stdout.
# Usage: bench/history.sh [sqlite|postgres] [calls] [texts]
# PostgreSQL: the local server at 127.0.0.1:5432 (user postgres); a database of its own,
# dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${1:-sqlite}"
CALLS="${2:-1000000}"
TEXTS="${3:-100000}"
CLIENTS=100
PORT=18195
base="http://127.0.0.1:$PORT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"
if curl -s "$base/health" >/dev/null; then echo "port $PORT is taken: stop what runs there first" >&2; exit 1; fi
cargo build -q --release --bin switchboard --example seed_history
bin="$CARGO_TARGET_DIR/release"
work=$(mktemp -d)
database=""
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$database" ] && PGOPTIONS=--client-min-messages=warning psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $database" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

case "$BACKEND" in
  sqlite) url="sqlite://$work/history.db?mode=rwc" ;;
  postgres)
    database="bench_history_$$"
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $database" >/dev/null
    url="postgres://postgres@127.0.0.1:5432/$database" ;;
  *) echo "usage: bench/history.sh [sqlite|postgres] [calls] [texts]" >&2; exit 2 ;;
esac

bench/clients-rules.sh "$work/rules" "$CLIENTS"
until=$(date -u +%Y-%m-%dT%H:%M:%SZ)
seed_start=$(date +%s.%N)
"$bin/examples/seed_history" "$url" "$work/rules" "$CALLS" "$TEXTS" "$until" >&2
seed_s=$(echo "$(date +%s.%N) - $seed_start" | bc)

export DATABASE_URL="$url" SWITCHBOARD_RULES_DIR="$work/rules" RUST_LOG=warn
SWITCHBOARD_BIND="127.0.0.1:$PORT" SWITCHBOARD_OUTBOX_WORKER=false "$bin/switchboard" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
token=$("$bin/switchboard" token create --name bench 2>/dev/null | tail -n 1)

# Signing in as a browser does: the form's CSRF value matches a cookie set with it.
csrf=$(curl -sf -c "$work/cookies" "$base/admin/sign-in" | sed -nE 's/.*name="csrf" value="([^"]*)".*/\1/p')
curl -sf -b "$work/cookies" -c "$work/cookies" -o /dev/null --data-urlencode "token=$token" \
  --data-urlencode "csrf=$csrf" "$base/admin/sign-in"

# The median of 7 requests' times, in milliseconds; a failed request stops the run.
median_ms() { # url [curl options…]
  local url="$1"; shift
  for _ in 1 2 3 4 5 6 7; do
    curl -sf -o /dev/null -w '%{time_total}\n' "$@" "$url" || { echo "failed: $url" >&2; exit 1; }
  done | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f", t[4] * 1000 }'
}
api() { median_ms "$base$1" -H "Authorization: Bearer $token"; }
page() { median_ms "$base$1" -b "$work/cookies"; }

client="client-00042"
# The cursor of the call log's 100th page of 50, followed page by page as a reader would.
cursor=""
for _ in $(seq 1 99); do
  cursor=$(curl -sf -H "Authorization: Bearer $token" "$base/api/calls?limit=50${cursor:+&cursor=$cursor}" |
    sed -E 's/.*"next":"([^"]*)".*/\1/')
done
since=$(date -u -d "$until - 365 days" +%Y-%m-%dT%H:%M:%SZ)
assistant=$(curl -sf -H "Authorization: Bearer $token" "$base/api/calls?client=$client&outcome=answered&limit=1" |
  sed -E 's/.*"answered_by":"([^"]*)".*/\1/')

rows=(
  "call log, all clients, first page|$(api "/api/calls?limit=50")|20"
  "call log, all clients, page 100|$(api "/api/calls?limit=50&cursor=$cursor")|20"
  "call log, one client|$(api "/api/calls?client=$client&limit=50")|20"
  "call log, all clients, missed|$(api "/api/calls?outcome=missed&limit=50")|20"
  "call log, one client, voicemail|$(api "/api/calls?client=$client&outcome=voicemail&limit=50")|20"
  "call log, one client, by assistant|$(api "/api/calls?client=$client&assistant=$assistant&limit=50")|20"
  "call log, caller's last 4 digits|$(api "/api/calls?caller=0142&limit=50")|20"
  "call log, one client, caller (201) 555-0142|$(api "/api/calls?client=$client&caller=%28201%29%20555-0142&limit=50")|20"
  "console call log, all clients|$(page "/admin/calls")|20"
  "a client's stats for a year|$(api "/api/clients/$client/stats?since=$since&until=$until")|100"
  "console Today page|$(page "/admin/clients/$client")|50"
  "message history, first page|$(api "/api/messages?limit=100")|20"
)

# The export: the server's peak memory is reset first (clear_refs 5), so the growth is
# what the export itself took.
rss_kb() { awk "/^$1:/ {print \$2}" "/proc/$server/status"; }
echo 5 >"/proc/$server/clear_refs"
before_kb=$(rss_kb VmRSS)
export_start=$(date +%s.%N)
lines=$(curl -sf -H "Authorization: Bearer $token" "$base/api/messages?format=csv" | wc -l)
export_s=$(echo "$(date +%s.%N) - $export_start" | bc)
growth_mb=$(echo "scale=1; ($(rss_kb VmHWM) - $before_kb) / 1024" | bc)

echo "backend: $BACKEND; $CALLS calls and $TEXTS texts over a year for $CLIENTS clients (seeded in ${seed_s%.*} s)"
echo
echo "| what | ms (median of 7) | target ms |"
echo "|---|---:|---:|"
for row in "${rows[@]}"; do
  IFS='|' read -r what ms target <<<"$row"
  echo "| $what | $ms | ≤ $target |"
done
echo
echo "CSV export of every text: $((lines - 1)) rows in ${export_s:0:5} s; server RSS grew $growth_mb MB (target ≤ 20 MB); RSS before: $((before_kb / 1024)) MB"
