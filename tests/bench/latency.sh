#!/usr/bin/env bash
# Latency from the simulator writing the final 02res to its rows being committed by the daemon:
# the result file's mtime (kept when it is archived) against the job's finished_at, for 20 jobs.
# Includes result_settle_ms (the wait that keeps a half-written file from being read) and the poll.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
JOBS=${BENCH_JOBS:-20}
. "$top_srcdir/tests/lib/env.sh"
env_setup "${BENCH_UNITS:-200}"
sim_start --processing 0 --delay-ms 20
daemon_start
for k in $(seq 1 "$JOBS"); do
  id=$(onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d "-$((k + 30)) days" +%Y%m%d)" --queue 2>/dev/null | awk '/queued/ { print $2 }')
  wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
done
q "SELECT id, extract(epoch from finished_at) FROM onshi.job ORDER BY id" | while IFS='|' read -r id done_at; do
  f=$(ls "$T"/archive/OQSmuhvq02res_"$(printf 'H01J%08d' "$id")"P*.xml | tail -n 1)
  awk -v a="$done_at" -v b="$(stat -c %.6Y "$f")" 'BEGIN { printf "%.3f\n", a - b }'
done | sort -n > "$T/lat"
printf '\nresult-to-commit latency over %s jobs (%s units each, result_settle_ms=%s, poll_interval_ms=100): median %s s, min %s s, max %s s\n' \
  "$JOBS" "$SIZE" "${RESULT_SETTLE_MS:-300}" "$(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$T/lat")" "$(head -n 1 "$T/lat")" "$(tail -n 1 "$T/lat")"
