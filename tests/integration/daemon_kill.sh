#!/usr/bin/env bash
# SIGKILL the daemon at each phase and restart it: the job ends done exactly once, the row count is
# exact and no 01req is sent twice. The kill happens inside the daemon at a named point
# (ONSHI_FAILPOINT), so each phase is hit exactly, not by timing: the daemon is the test build with
# the failpoints compiled in (tests/bin/orca-onshid-fp; the installed one has none).
ONSHID=${top_builddir:-$top_srcdir}/tests/bin/orca-onshid-fp
. "$top_srcdir/tests/lib/env.sh"
env_setup 80
sim_start --processing 2 --delay-ms 50
want=$(expected_rows homecare)

for point in before_01req after_01req after_01res after_02req mid_ingest; do
  clear_results all
  id=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
  daemon_start ONSHI_FAILPOINT=$point
  wait "$LAST_DAEMON" && fail "$point: the daemon was not killed" || true
  DAEMON_PIDS=()
  grep -q "failpoint $point" "$T/daemon.log" || fail "$point: the failpoint was not reached"
  state=$(q "SELECT state FROM onshi.job WHERE id = $id")
  assert_eq "$point: rows after the kill" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
  daemon_start
  wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
  daemon_stop_all
  suffix=$(printf 'H01J%08d' "$id")
  assert_eq "$point (killed in state $state): 01req sent once" "1" "$(sim_handled "OQSmuhvq01req_${suffix}")"
  assert_eq "$point: result files ingested" "1" "$(q "SELECT count(*) FROM onshi.result_file WHERE job_id = $id")"
  assert_eq "$point: rows" "$want" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
  assert_eq "$point: jobs" "1" "$(q "SELECT count(*) FROM onshi.job")"
done
echo "1 passed, 0 failed"
