#!/usr/bin/env bash
# The waits a receptionist feels (issue 16 items 2 and 3), with the DEFAULT poll_interval_ms=2000 and
# result_settle_ms=1000:
# - result file -> rows visible in P031: from the simulator writing the final 02res (its mtime, kept
#   when it is archived) to the commit of its rows (pg_xact_commit_timestamp of the job's last
#   update: the ingest's own commit), for BENCH_JOBS jobs. The simulator answers each request
#   1000 ms after it (--delay-ms 1000): half a poll, the median phase of an answer against the poll.
#   On the local folder (inotify sees the file) and, when bindfs (FUSE) can be mounted, on the same
#   folder read through a FUSE mount while the simulator writes beneath it: like a CIFS share written
#   by the 連携アプリ's PC, no event reaches us; the daemon's listing of such a folder (every 250 ms
#   while a job awaits a result) finds the file, else the poll would.
# - click -> 01req on the share: from the HTTP POST /api/jobs (the screens' 新規リクエスト) to the
#   01req file's mtime in req_dir (written and renamed into place at once), no simulator.
# Figures only: nothing here asserts a time.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
JOBS=${BENCH_JOBS:-20}
. "$top_srcdir/tests/lib/env.sh"
env_setup "${BENCH_UNITS:-200}"
sed -i -e "s/^poll_interval_ms=.*/poll_interval_ms=2000/" -e "s/^result_settle_ms=.*/result_settle_ms=1000/" "$CONF"
q "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null
pg_stop; pg_restart
FUSE_MNT=
cleanup_fuse() { if [ -n "$FUSE_MNT" ]; then fusermount3 -u "$FUSE_MNT" 2>/dev/null || fusermount -u "$FUSE_MNT" 2>/dev/null || true; fi; }
trap 'cleanup_fuse; env_cleanup' EXIT

# stats FILE: median p90 min max (ms) of the seconds in FILE, one per line.
stats() {
  sort -n "$1" | awk '{ a[NR] = $1 * 1000 } END { printf "%.0f %.0f %.0f %.0f\n", a[int((NR + 1) / 2)], a[int(NR * 0.9 + 0.999)], a[1], a[NR] }'
}

# result_latency LABEL: JOBS jobs through the simulator; the latencies into $T/lat.LABEL
result_latency() {
  local label=$1 k id first
  first=$(q "SELECT coalesce(max(id), 0) FROM onshi.job")
  for k in $(seq 1 "$JOBS"); do
    id=$(onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d "-$((k + 30)) days" +%Y%m%d)" --queue 2>/dev/null | awk '/queued/ { print $2 }')
    wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
  done
  q "SELECT id, extract(epoch from pg_xact_commit_timestamp(xmin)) FROM onshi.job WHERE id > $first ORDER BY id" | while IFS='|' read -r id done_at; do
    f=$(ls "$ARCHIVE"/OQSmuhvq02res_"$(printf 'H01J%08d' "$id")"P*.xml | tail -n 1)
    awk -v a="$done_at" -v b="$(stat -c %.6Y "$f")" 'BEGIN { printf "%.3f\n", a - b }'
  done > "$T/lat.$label"
  read -r med p90 min max < <(stats "$T/lat.$label")
  printf 'result file -> rows committed, %s, %s jobs of %s units: median %s ms, p90 %s, min %s, max %s\n' "$label" "$JOBS" "$SIZE" "$med" "$p90" "$min" "$max"
  echo "| result file → rows in P031, $label (poll 2000 ms, settle 1000 ms), ms | $med (p90 $p90) [$min-$max] | ≤ 500 median |" >> "${BENCH_SUMMARY:-/dev/null}"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ARCHIVE=$T/archive
sim_start --processing 0 --delay-ms 1000
daemon_start
result_latency "local folder"
daemon_stop_all

# The same through a FUSE mount of the result folder (bindfs), written beneath the mount.
if command -v bindfs >/dev/null && [ -c /dev/fuse ] && mkdir -p "$T/resf" && bindfs "$T/res" "$T/resf" 2>"$T/bindfs.err"; then
  FUSE_MNT=$T/resf
  mkdir -p "$T/resf/archive"
  ARCHIVE=$T/resf/archive  # inside the mount: archived by rename, the mtime kept
  sed -i -e "s|^res_dir=.*|res_dir=$T/resf|" -e "s|^archive_dir=.*|archive_dir=$ARCHIVE|" "$CONF"
  daemon_start
  result_latency "FUSE mount (bindfs), written beneath it, no event: listed every 250 ms"
  daemon_stop_all
  cleanup_fuse; FUSE_MNT=
  sed -i -e "s|^res_dir=.*|res_dir=$T/res|" -e "s|^archive_dir=.*|archive_dir=$T/archive|" "$CONF"
else
  echo "result file -> rows through a FUSE mount: not measured (bindfs: $(command -v bindfs || echo 'not installed'); $(cat "$T/bindfs.err" 2>/dev/null))"
fi
sim_stop

# ---- click -> 01req ----
web_setup
daemon_start
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/api/session" && break; sleep 0.1; done
CSRF=$(curl -s -b "$JAR" -c "$JAR" "$BASE/api/session" | sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
[ -n "$CSRF" ] || { echo "p031_latency: no session from the screens" >&2; exit 1; }
rm -f "$T"/req/OQSmuhvq01req_*
: > "$T/click"
for k in $(seq 1 "$JOBS"); do
  before=$(q "SELECT coalesce(max(id), 0) FROM onshi.job")
  t0=$(date +%s.%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" -X POST -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d kind=homecare \
    -d consent_from="$(date -d "-$((k + 100)) days" +%Y%m%d)" -d consent_to="$TODAY" "$BASE/api/jobs")
  case $code in 2??) ;; *) echo "p031_latency: POST /api/jobs answered $code" >&2; exit 1 ;; esac
  id=$(q "SELECT max(id) FROM onshi.job")
  [ "$id" -gt "$before" ] || { echo "p031_latency: no job created" >&2; exit 1; }
  f=
  for i in $(seq 1 200); do f=$(ls "$T"/req/OQSmuhvq01req_"$(printf 'H01J%08d' "$id")"*.xml 2>/dev/null | head -n 1); [ -n "$f" ] && break; sleep 0.02; done
  [ -n "$f" ] || { echo "p031_latency: job $id wrote no 01req within 4 s" >&2; exit 1; }
  awk -v a="$t0" -v b="$(stat -c %.6Y "$f")" 'BEGIN { printf "%.3f\n", b - a }' >> "$T/click"
  sleep 0.3
done
daemon_stop_all
read -r med p90 min max < <(stats "$T/click")
printf 'click (POST /api/jobs) -> 01req in req_dir, %s jobs: median %s ms, p90 %s, min %s, max %s\n' "$JOBS" "$med" "$p90" "$min" "$max"
echo "| click (POST /api/jobs) → 01req on the share, ms | $med (p90 $p90) [$min-$max] | ≤ 200 median |" >> "${BENCH_SUMMARY:-/dev/null}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
