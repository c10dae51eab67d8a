# CPU in clock ticks, for the bench scripts that source this file.
# A process's own user and system time (/proc).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Every local PostgreSQL process's, each counted once.
postgres_ticks() { local t=0 pid; for pid in $(pgrep -x postgres); do t=$((t + $(ticks "$pid"))); done; echo "$t"; }
# Microseconds each: TICKS of CPU over COUNT requests or calls.
per() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'; }
