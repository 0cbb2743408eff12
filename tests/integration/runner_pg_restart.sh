#!/usr/bin/env bash
# PostgreSQL restarted (crash: pg_ctl stop -m immediate, then start) while jobs wait on OQS: the
# daemon keeps running, its step threads and its LISTEN thread reconnect, jobs queued after the
# restart are taken, and every job ends done exactly once (one 01req, one result file, distinct
# 受付番号, exact rows).
. "$top_srcdir/tests/lib/env.sh"
RESULT_TIMEOUT_S=120
env_setup 20
sim_start --processing 0 --processing-s 6 --delay-ms 10
per_job=$(expected_rows homecare)
[ "$per_job" -gt 0 ] || fail "the population gives no 訪問診療 rows"
n=0
queue() {
  local i
  for i in $(seq 1 "$1"); do
    n=$((n + 1))
    onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d "-$((n + 30)) days" +%Y%m%d)" --queue >/dev/null 2>&1 \
      || fail "queueing request $n"
  done
}

log_mark
daemon_start
queue 5
wait_sql "SELECT count(*) = 5 FROM onshi.job WHERE reception_number <> '' AND finished_at IS NULL" 30
ok "5 jobs wait on OQS (処理中) with their 受付番号"
pg_stop
sleep 1
pg_restart
ok "PostgreSQL restarted"
kill -0 "$LAST_DAEMON" || fail "the daemon died with the database"
queue 3
wait_sql "SELECT count(*) = 8 FROM onshi.job WHERE finished_at IS NOT NULL" 90
kill -0 "$LAST_DAEMON" || fail "the daemon is gone"
wait_log "job wake-ups: " 1
ok "the LISTEN thread saw the connection go"
# The LISTEN connection is back: a NOTIFY on onshi_job has a listener again.
wait_sql "SELECT count(*) >= 1 FROM pg_stat_activity WHERE query ILIKE 'LISTEN onshi_job%'" 15
ok "the daemon listens on onshi_job again"
daemon_stop_all

assert_eq "jobs done" "8" "$(q "SELECT count(*) FROM onshi.job WHERE state = 'done'")"
for id in $(q "SELECT id FROM onshi.job ORDER BY id"); do
  suffix=$(printf 'H01J%08d' "$id")
  [ "$(sim_handled "OQSmuhvq01req_${suffix}")" = 1 ] || fail "job $id's 01req was written $(sim_handled "OQSmuhvq01req_${suffix}") times"
done
ok "every 01req written once"
assert_eq "distinct 受付番号" "8" "$(q "SELECT count(DISTINCT reception_number) FROM onshi.job")"
assert_eq "result files, one per job" "8" "$(q "SELECT count(*) FROM onshi.result_file")"
assert_eq "result files' jobs" "8" "$(q "SELECT count(DISTINCT job_id) FROM onshi.result_file")"
assert_eq "rows" "$((8 * per_job))" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
echo "1 passed, 0 failed"
