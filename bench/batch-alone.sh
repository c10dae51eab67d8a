#!/usr/bin/env bash
# The incoming-call batch alone, without HTTP (examples/batch_alone.rs): the server's own
# group commit of ringing calls with CallSids in no order, fed by CONNECTIONS tasks, on a
# fresh database. What it carries is the most the database path allows whatever the
# HTTP side does; compare it with bench/load.sh's ceiling. Prints calls/s and CPU per
# call: the example's (on SQLite, the database's work included) and, on PostgreSQL,
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
# The example stays, with its connections open, until its input ends: its CPU and that
# of PostgreSQL's processes serving it are counted from START to RESULT.
mkfifo "$work/hold"
RUST_LOG=warn "$CARGO_TARGET_DIR/release/examples/batch_alone" "$work/rules/acme-dental.toml" "$url" \
  "$SECONDS_RUN" "$CONNECTIONS" <"$work/hold" >"$work/out" & alone=$!
exec 3>"$work/hold"
# Waits for the example to print $1; if it ends first, its error is the script's.
await_line() {
  until grep -q "$1" "$work/out"; do
    kill -0 "$alone" 2>/dev/null || { wait "$alone" || exit $?; exit 1; }
    sleep 0.05
  done
}
await_line START
alone_0=$(ticks "$alone") pg_0=$(postgres_ticks)
await_line RESULT
alone_1=$(ticks "$alone") pg_1=$(postgres_ticks)
exec 3>&-
wait "$alone"
result=$(grep RESULT "$work/out")
calls=$(sed -E 's/.*calls=([0-9]+).*/\1/' <<<"$result")
pg_cpu=""
[[ -z "$server" ]] || pg_cpu=" postgresql_cpu_us_per_call=$(per $((pg_1 - pg_0)) "$calls")"
echo "batch alone (${url%%:*}, $CONNECTIONS tasks, ${SECONDS_RUN} s): ${result#RESULT }" \
  "cpu_us_per_call=$(per $((alone_1 - alone_0)) "$calls")$pg_cpu"
