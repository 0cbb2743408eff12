#!/usr/bin/env bash
# A job whose OQS answer never comes ends expired at result_timeout_s, not later by the runner's
# waits (a quarter of the time waited, up to 10 s, while awaiting a file; the 02req backoff, up to
# 30 s, after each 処理中). Asserted on the job's own row: a finished job keeps the next_at of the
# step that ended it, so next_at - (its start of waiting) is when the runner came back to end it; it
# must be within a second of the deadline, and the job must not end before it.
. "$top_srcdir/tests/lib/env.sh"
RESULT_TIMEOUT_S=12
env_setup 20
timeout=$RESULT_TIMEOUT_S

# check ID CLOCK WHAT: expired, with the error naming the timeout, ended no earlier than the deadline
# and looked at no later than a second after it.
check() {
  local id=$1 clock=$2 what=$3
  assert_eq "$what: state" "expired" "$(q "SELECT state FROM onshi.job WHERE id = $id")"
  q "SELECT error FROM onshi.job WHERE id = $id" | grep -q "within $timeout s\|after $timeout s" \
    || fail "$what: the error does not name the $timeout s: $(q "SELECT error FROM onshi.job WHERE id = $id")"
  ok "$what: the error names the $timeout s"
  assert_eq "$what: not ended before the deadline" "t" \
    "$(q "SELECT finished_at - $clock >= interval '$timeout s' FROM onshi.job WHERE id = $id")"
  local late; late=$(q "SELECT round(extract(epoch from next_at - $clock)::numeric - $timeout, 2) FROM onshi.job WHERE id = $id")
  awk -v l="$late" 'BEGIN { exit !(l <= 1) }' || fail "$what: the step that ended it was due $late s after the deadline"
  ok "$what: the step that ended it was due $late s after the deadline"
}

daemon_start
# 1. No answer at all (no simulator): the 01res never comes.
id=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT state NOT IN ('queued', 'requested') FROM onshi.job WHERE id = $id" $((timeout + 30))
check "$id" requested_at "no 01res"

# 2. OQS answers 処理中 forever: the 02res never brings the result.
sim_start --processing 100000 --delay-ms 10
id=$(onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-40 days' +%Y%m%d)" --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT finished_at IS NOT NULL FROM onshi.job WHERE id = $id" $((timeout + 60))
[ -n "$(q "SELECT reception_number FROM onshi.job WHERE id = $id")" ] || fail "処理中: the job has no 受付番号"
check "$id" received_at "処理中 forever"
[ "$(q "SELECT poll_count FROM onshi.job WHERE id = $id")" -gt 1 ] || fail "処理中: asked only once"
ok "処理中: asked $(q "SELECT poll_count FROM onshi.job WHERE id = $id") times"
daemon_stop_all
echo "1 passed, 0 failed"
