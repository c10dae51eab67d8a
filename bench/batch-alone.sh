#!/usr/bin/env bash
# The incoming-call batch alone, without HTTP (examples/batch_alone.rs): the server's own
# group commit of ringing calls with CallSids in no order, fed by CONNECTIONS tasks, on a
# fresh database. What it carries is the most the database path allows whatever the
# HTTP side does; compare it with bench/load.sh's ceiling. Prints calls/s and CPU per
# call: this process's (on SQLite, the database's work included) and, on PostgreSQL,
# the local server's processes'.
# Usage: bench/batch-alone.sh [seconds] [connections]
# With SWITCHBOARD_LOAD_POSTGRES=postgres://user@host:port it runs on a database it
# creates there, uniquely named, and drops after.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-10}"
CONNECTIONS="${2:-64}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"
cargo build -q --release --example batch_alone
work=$(mktemp -d)
server="${SWITCHBOARD_LOAD_POSTGRES:-}"
database="sbalone_$$_$(date +%s)"
cleanup() {
  rm -rf "$work"
  [[ -z "$server" ]] || psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $database" >/dev/null
}
trap cleanup EXIT
if [[ -n "$server" ]]; then
  psql -q "$server/postgres" -c "CREATE DATABASE $database" >/dev/null
  url="$server/$database"
else
  url="sqlite://$work/alone.db?mode=rwc"
fi
bench/open-rules.sh "$work/rules"
. bench/cpu.sh
# The example holds its connections open until its input ends, so that PostgreSQL's
# processes serving it are still there to be counted when it is done.
mkfifo "$work/hold"
RUST_LOG=warn "$CARGO_TARGET_DIR/release/examples/batch_alone" "$work/rules/acme-dental.toml" "$url" \
  "$SECONDS_RUN" "$CONNECTIONS" <"$work/hold" >"$work/out" & alone=$!
exec 3>"$work/hold"
until grep -q START "$work/out"; do kill -0 "$alone" && sleep 0.05; done
pg_0=$(postgres_ticks)
until grep -q RESULT "$work/out"; do kill -0 "$alone" && sleep 0.05; done
pg_1=$(postgres_ticks)
exec 3>&-
wait "$alone"
result=$(grep RESULT "$work/out")
calls=$(sed -E 's/.*calls=([0-9]+).*/\1/' <<<"$result")
pg_cpu=""
[[ -z "$server" ]] || pg_cpu=" postgresql_cpu_us_per_call=$(awk -v t=$((pg_1 - pg_0)) -v n="$calls" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { printf "%.1f", t * 1e6 / hz / n }')"
echo "batch alone (${url%%:*}, $CONNECTIONS tasks, ${SECONDS_RUN} s): ${result#RESULT }$pg_cpu"
