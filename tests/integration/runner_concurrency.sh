#!/usr/bin/env bash
# No request waits behind another (issue 15): OQS answers 処理中 for 20 s after each 01req. One
# request alone takes T1; 50 requests across 5 facilities, queued while the daemon runs, must all be
# done within 2 × T1 (a daemon that ran one job to its end at a time would take about 50 × T1). Then
# the same with two daemons, and every job done exactly once. The bound is a ratio of two times
# measured here, on the same machine, in the same run: a property of concurrency, not a speed target.
. "$top_srcdir/tests/lib/env.sh"
RESULT_TIMEOUT_S=180
env_setup 20
PROCESSING_S=${PROCESSING_S:-20}
# Facilities 2..5: the same synthetic patients and ORCA settings as facility 1, the same OQS folders.
for h in 2 3 4 5; do
  "$SIM" populate --seed "$SEED" --size "$SIZE" --hospnum "$h" --today "$TODAY" | psql -Xq -v ON_ERROR_STOP=1 >/dev/null
  q "INSERT INTO tbl_syskanri (hospnum, kanricd, kbncd, styukymd, edyukymd, kanritbl, termid, opid, creymd, upymd, uphms)
     SELECT $h, kanricd, kbncd, styukymd, edyukymd, kanritbl, termid, opid, creymd, upymd, uphms FROM tbl_syskanri WHERE hospnum = 1" >/dev/null
  sed -n '/^\[facility 1\]/,$p' "$CONF" | sed "s/^\[facility 1\]/[facility $h]/" > "$T/fac$h"
  cat "$T/fac$h" >> "$CONF"
done
sim_start --processing 0 --processing-s "$PROCESSING_S" --delay-ms 10
per_job=$(expected_rows homecare)
[ "$per_job" -gt 0 ] || fail "the population gives no 訪問診療 rows"

# seconds from the first job's creation to the last one's end, over the jobs with id > $1
span() { q "SELECT round(extract(epoch from max(finished_at) - min(created_at))::numeric, 2) FROM onshi.job WHERE id > $1"; }
# queue N: N requests, round robin over the 5 facilities, each with its own consent range
n=0
queue() {
  local i
  for i in $(seq 1 "$1"); do
    n=$((n + 1))
    onshi fetch --hospnum $(( (n - 1) % 5 + 1 )) --kind homecare --consent-from "$(date -d "-$((n + 30)) days" +%Y%m%d)" --queue >/dev/null 2>&1 \
      || fail "queueing request $n"
  done
}
# check FIRST_ID COUNT: each job of the batch done, its 01req written once, distinct 受付番号, exact rows
check() {
  local first=$1 count=$2 id suffix
  assert_eq "$3: jobs done" "$count" "$(q "SELECT count(*) FROM onshi.job WHERE id > $first AND state = 'done'")"
  for id in $(q "SELECT id FROM onshi.job WHERE id > $first ORDER BY id"); do
    suffix=$(printf 'H%02dJ%08d' "$(q "SELECT hospnum FROM onshi.job WHERE id = $id")" "$id")
    [ "$(sim_handled "OQSmuhvq01req_${suffix}")" = 1 ] || fail "$3: job $id's 01req was written $(sim_handled "OQSmuhvq01req_${suffix}") times"
  done
  ok "$3: every 01req written once"
  assert_eq "$3: distinct 受付番号" "$count" "$(q "SELECT count(DISTINCT reception_number) FROM onshi.job WHERE id > $first")"
  assert_eq "$3: result files, one per job" "$count" "$(q "SELECT count(DISTINCT job_id) FROM onshi.result_file WHERE job_id > $first")"
  assert_eq "$3: result files in all" "$count" "$(q "SELECT count(*) FROM onshi.result_file WHERE job_id > $first")"
  assert_eq "$3: rows" "$((count * per_job))" "$(( $(q "SELECT count(*) FROM tbl_onshi_kaku") - rows_before ))"
  assert_eq "$3: facilities served" "5" "$(q "SELECT count(DISTINCT hospnum) FROM onshi.job WHERE id > $first")"
}
within() {  # within WHAT SPAN ALONE: SPAN <= 2 × ALONE
  awk -v s="$2" -v a="$3" 'BEGIN { exit !(s <= 2 * a) }' || fail "$1: took $2 s, more than 2 × the $3 s of one request alone"
  ok "$1: $2 s for all, one alone $3 s (ratio $(awk -v s="$2" -v a="$3" 'BEGIN { printf "%.2f", s / a }'))"
}

# 1. One request alone on one daemon.
daemon_start
queue 1
wait_sql "SELECT count(*) = 1 FROM onshi.job WHERE state = 'done'" 120
alone=$(span 0)
ok "one request alone: $alone s (OQS 処理中 for $PROCESSING_S s)"

# 2. 50 requests over 5 facilities, one daemon.
first=$(q "SELECT max(id) FROM onshi.job")
rows_before=$(q "SELECT count(*) FROM tbl_onshi_kaku")
queue 50
limit=$((4 * ${alone%.*} + 60))
wait_sql "SELECT count(*) = 50 FROM onshi.job WHERE id > $first AND finished_at IS NOT NULL" "$limit"
daemon_stop_all
check "$first" 50 "one daemon"
within "one daemon, 50 requests" "$(span "$first")" "$alone"

# 3. The same with two daemons on the same queue: each job done exactly once.
first=$(q "SELECT max(id) FROM onshi.job")
rows_before=$(q "SELECT count(*) FROM tbl_onshi_kaku")
mark=$(stat -c %s "$T/daemon.log")
daemon_start
"$top_builddir/orca-onshid" --config "$CONF" --verbose > "$T/daemon2.log" 2>&1 &
DAEMON_PIDS+=($!)
queue 50
wait_sql "SELECT count(*) = 50 FROM onshi.job WHERE id > $first AND finished_at IS NOT NULL" "$limit"
daemon_stop_all
check "$first" 50 "two daemons"
within "two daemons, 50 requests" "$(span "$first")" "$alone"
# Both daemons did steps (else this would be the one-daemon case again).
for log in daemon.log:$mark daemon2.log:0; do
  steps=$(tail -c +$((${log#*:} + 1)) "$T/${log%:*}" | grep -cE 'job [0-9]+: .* \((requested|received|polling|done)\)' || true)
  [ "$steps" -gt 0 ] || fail "two daemons: ${log%:*} shows no step of a job"
  ok "two daemons: ${log%:*} shows $steps steps"
done
echo "1 passed, 0 failed"
