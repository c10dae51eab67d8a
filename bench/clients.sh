#!/usr/bin/env bash
# What the number of clients costs the server (release build, SQLite, or PostgreSQL with
# SWITCHBOARD_BENCH_BACKEND=postgres: the local server, a database of its own per N,
# dropped after): for each N, N rule
# files (bench/clients-rules.sh), then
#   first start   from exec until /health answers, on an empty database;
#   restart       the same, the database already holding every version, files unchanged;
#   RSS           the restarted process's resident memory before any call;
#   reload        one file changed, SIGHUP, until the admin API serves its new version;
#                 with how many versions the reload stored (1: only that client's);
#   other process a second process on the same database: from a version saved through
#                 the first one's admin API until the second serves it (five saves);
#   idle CPU      the first process's CPU over 10 s with nothing to do.
# Usage: bench/clients.sh [N ...]   (default: 100 10000)
# SWITCHBOARD_BIN=path measures another build instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"
if [[ -z "${SWITCHBOARD_BIN:-}" ]]; then
  cargo build -q --release --bin switchboard
fi
bin="${SWITCHBOARD_BIN:-$CARGO_TARGET_DIR/release/switchboard}"
. bench/cpu.sh
TOKEN=sb_bench_clients_token
IDLE_SECONDS=10
# Ports free now, rather than fixed ones another run on this machine may hold.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_A=$(free_port)
PORT_B=$(free_port)
until [[ $PORT_B != "$PORT_A" ]]; do PORT_B=$(free_port); done
work=$(mktemp -d)
pids=()
BACKEND="${SWITCHBOARD_BENCH_BACKEND:-sqlite}"
database="bench_clients_$$"
psql_() { PGOPTIONS=--client-min-messages=warning psql -qtA -h 127.0.0.1 -U postgres "$@"; }
drop_database() { [[ $BACKEND != postgres ]] || psql_ -c "DROP DATABASE IF EXISTS $database" >/dev/null; }
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; drop_database; rm -rf "$work"' EXIT
case "$BACKEND" in
  sqlite) url="sqlite://$work/clients.db?mode=rwc" ;;
  postgres) url="postgres://postgres@127.0.0.1:5432/$database" ;;
  *) echo "SWITCHBOARD_BENCH_BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac

now() { date +%s%N; }
since_ms() { echo $((($(now) - $1) / 1000000)); }

# serve PORT LOG: starts a server on the shared database; sets $started (its pid) and
# $start_ms (until /health answers).
serve() {
  local t0
  t0=$(now)
  SWITCHBOARD_RULES_DIR="$work/rules" DATABASE_URL="$url" \
    SWITCHBOARD_BIND="127.0.0.1:$1" SWITCHBOARD_ADMIN_TOKEN="$TOKEN" SWITCHBOARD_OUTBOX_WORKER=false \
    RUST_LOG=switchboard=info "$bin" serve >>"$work/$2" 2>&1 &
  started=$!
  pids+=("$started")
  until curl -sf "http://127.0.0.1:$1/health" >/dev/null; do
    kill -0 "$started" 2>/dev/null || { cat "$work/$2" >&2; exit 1; }
    sleep 0.01
  done
  start_ms=$(since_ms "$t0")
  kill -0 "$started" 2>/dev/null || { echo "another process answers on port $1" >&2; exit 1; }
}

stop() { kill "$1" && while kill -0 "$1" 2>/dev/null; do sleep 0.01; done; }

version() { # PORT CLIENT: the version that process serves
  curl -sf -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/clients/$2/rules" | jq -r .version
}

wait_version() { # PORT CLIENT VERSION T0: ms from T0 until it is served
  until [[ "$(version "$1" "$2")" == "$3" ]]; do
    (($(since_ms "$4") < 60000)) || { echo "port $1 never served $2 version $3" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }
    sleep 0.005
  done
  since_ms "$4"
}

versions_stored() {
  local count='SELECT count(*) FROM rule_versions'
  if [[ $BACKEND == postgres ]]; then psql_ -d "$database" -c "$count"; else sqlite3 "$work/clients.db" "$count"; fi
}

measure() {
  local n=$1 a b first restart rss reload added seen before idle_ticks greeting
  rm -rf "$work/rules" "$work"/clients.db*
  drop_database
  [[ $BACKEND != postgres ]] || psql_ -c "CREATE DATABASE $database" >/dev/null
  bench/clients-rules.sh "$work/rules" "$n"

  serve $PORT_A a.log
  first=$start_ms
  stop "$started"
  serve $PORT_A a.log
  a=$started restart=$start_ms
  rss=$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$a/status")

  # One client's greeting changes; the others' files stay as they are.
  greeting='greeting = "You have reached Dental Office 42, now in a new building.'
  sed -i "s/^greeting = \"You have reached Acme Dental\./$greeting/" "$work/rules/client-00042.toml"
  before=$(versions_stored)
  local t0
  t0=$(now)
  kill -HUP "$a"
  reload=$(wait_version $PORT_A client-00042 2 "$t0")
  added=$(($(versions_stored) - before))

  serve $PORT_B b.log
  b=$started
  # Saves at random moments of the other process's one-second poll: the delay ranges up
  # to a poll and a reload of one client.
  local text delays=()
  text=$(curl -sf -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT_A/api/clients/client-00007/rules" | jq -r .source)
  for ring in 21 22 23 24 25; do
    sleep "0.$((RANDOM % 10))"
    curl -sf -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: text/plain' \
      --data-binary "${text/ring_seconds = 20/ring_seconds = $ring}" "http://127.0.0.1:$PORT_A/api/clients/client-00007/rules" >/dev/null
    t0=$(now)
    delays+=("$(wait_version $PORT_B client-00007 $((ring - 19)) "$t0")")
  done
  seen=$(printf '%s\n' "${delays[@]}" | sort -n | awk '{ v[NR] = $1; sum += $1 } END { printf "%d–%d ms (mean %d)", v[1], v[NR], sum / NR }')
  stop "$b"

  sleep 1
  idle_ticks=$(ticks "$a")
  sleep $IDLE_SECONDS
  idle_ticks=$(($(ticks "$a") - idle_ticks))
  stop "$a"
  idle=$(awk -v t="$idle_ticks" -v hz="$(getconf CLK_TCK)" -v s=$IDLE_SECONDS 'BEGIN { printf "%.2f", 100 * t / hz / s }')
  printf '| %s | %s ms | %s ms | %s MB | %s ms (%s new version) | %s | %s %% |\n' \
    "$n" "$first" "$restart" "$rss" "$reload" "$added" "$seen" "$idle"
}

echo "backend: $BACKEND"
echo
echo "| clients | first start | restart | RSS before load | reload after one file changed | seen by another process | idle CPU |"
echo "|---|---|---|---|---|---|---|"
sizes=("$@")
((${#sizes[@]})) || sizes=(100 10000)
for n in "${sizes[@]}"; do measure "$n"; done
