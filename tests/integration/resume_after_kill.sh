#!/usr/bin/env bash
# SIGKILL the CLI after 01res: the next run resumes with 02req and the same 受付番号, sends no second
# 01req, and the final row count is exact.
. "$top_srcdir/tests/lib/env.sh"
env_setup 120
sim_start --processing 4 --delay-ms 200

onshi fetch --hospnum 1 --kind homecare > "$T/first.out" 2> "$T/first.err" &
pid=$!
for _ in $(seq 1 300); do
  rn=$(q "SELECT reception_number FROM onshi.job ORDER BY id DESC LIMIT 1" 2>/dev/null || true)
  [ -n "$rn" ] && break
  sleep 0.02
done
[ -n "$rn" ] || fail "no 受付番号 arrived"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
state=$(q "SELECT state FROM onshi.job")
case "$state" in received|polling) ok "killed after 01res (state $state)" ;; *) fail "killed in state $state" ;; esac
assert_eq "rows before the resume" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"

onshi fetch --hospnum 1 --kind homecare > "$T/second.out" 2> "$T/second.err" || { cat "$T/second.err"; fail "resumed fetch failed"; }
grep -q "resuming" "$T/second.err" || fail "the second run did not resume the job"
assert_eq "one job" "1" "$(q "SELECT count(*) FROM onshi.job")"
assert_eq "same 受付番号 after the resume" "$rn" "$(q "SELECT reception_number FROM onshi.job")"
assert_eq "job state" "done" "$(q "SELECT state FROM onshi.job")"
assert_eq "01req sent once" "1" "$(sim_handled 'OQSmuhvq01req')"
assert_eq "rows after the resume" "$(expected_rows homecare)" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE $P031_WHERE")"
echo "1 passed, 0 failed"
