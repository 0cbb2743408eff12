#!/usr/bin/env bash
# Two daemons on one database and one simulator: 20 queued jobs, each done exactly once.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60
sim_start --processing 1 --delay-ms 20
per_job=$(expected_rows homecare)
for k in $(seq 30 49); do
  onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d "-$k days" +%Y%m%d)" --queue >/dev/null 2>&1
done
assert_eq "queued jobs" "20" "$(q "SELECT count(*) FROM onshi.job WHERE state = 'queued'")"
daemon_start
daemon_start
wait_sql "SELECT count(*) = 20 FROM onshi.job WHERE state = 'done'" 180
daemon_stop_all
assert_eq "01req written" "20" "$(sim_handled 'OQSmuhvq01req_')"
assert_eq "distinct 受付番号" "20" "$(q "SELECT count(DISTINCT reception_number) FROM onshi.job")"
assert_eq "result files, one per job" "20" "$(q "SELECT count(DISTINCT job_id) FROM onshi.result_file WHERE job_id IS NOT NULL")"
assert_eq "result files in all" "20" "$(q "SELECT count(*) FROM onshi.result_file")"
assert_eq "rows" "$((20 * per_job))" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
# A job may be started twice only if its first run stopped; here nobody stopped: 20 starts, 20 jobs.
grep -oE 'job [0-9]+ \(homecare, facility 1\): starting' "$T/daemon.log" | awk '{ print $2 }' > "$T/starts"
assert_eq "job starts in the daemons' logs" "20" "$(wc -l < "$T/starts")"
assert_eq "distinct jobs started" "20" "$(sort -u "$T/starts" | wc -l)"
echo "1 passed, 0 failed"
