#!/usr/bin/env bash
# Writes into DIR the rules the load runs use: Acme Dental's (routing-rules/), with its
# hours replaced by a window that is open now, in UTC, and without its tests (which
# check New York's hours). Without it, a run on a weekday
# afternoon in New York measured calls that ring the front desk (a leg recorded, <Dial>
# with screening) and a run at night measured voicemail: the same build gave different
# figures by the hour. Usage: bench/open-rules.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$1"
mkdir -p "$dir"
hour=$((10#$(date -u +%H)))
today=$(date -u +%a | tr '[:upper:]' '[:lower:]')
tomorrow=$(date -u -d tomorrow +%a | tr '[:upper:]' '[:lower:]')
start=$((hour > 0 ? hour - 1 : 0))
end=$((hour + 2))
if ((end <= 24)); then
  hours=$(printf '%s = ["%02d:00-%02d:00"]' "$today" "$start" "$end")
else
  hours=$(printf '%s = ["%02d:00-24:00"]\n%s = ["00:00-%02d:00"]' "$today" "$start" "$tomorrow" $((end - 24)))
fi
awk -v hours="$hours" '
  /^\[\[tests\]\]/ { exit }
  /^timezone = / { print "timezone = \"UTC\""; next }
  /^\[hours\]/ { print; print hours; skipping = 1; next }
  skipping && /^$/ { skipping = 0 }
  !skipping { print }
' routing-rules/acme-dental.toml >"$dir/acme-dental.toml"
