#!/usr/bin/env bash
# A job row whose kind this version does not know (a newer version wrote onshi.job.kind =
# 'future_kind'): the CLI's `jobs` and the screens' GET /api/jobs still list every job, the unknown
# one with its raw kind text marked unknown; `job show`, `resume` and `cancel` of it, and
# GET /api/jobs/ID, are refused with a clear error (not an internal one) and change nothing; the
# daemon runs the other jobs, leaves that one alone (never claimed, no attempt counted), logs it
# once, and keeps serving.
. "$top_srcdir/tests/lib/env.sh"
env_setup 10
sim_start --processing 0 --delay-ms 10
web_setup

onshi fetch --hospnum 1 --kind homecare --queue > /dev/null 2>&1 || fail "queueing job A"
FUTURE=$(q "INSERT INTO onshi.job (hospnum, kind, params, file_identifier) VALUES (1, 'future_kind', '{\"month\":\"202601\"}', 'ORCA-ONSHI-1-future') RETURNING id")
onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-40 days' +%Y%m%d)" --queue > /dev/null 2>&1 || fail "queueing job B"
assert_eq "jobs" 3 "$(q "SELECT count(*) FROM onshi.job")"
snapshot() { q "SELECT state, attempts, next_at, updated_at, finished_at FROM onshi.job WHERE id = $FUTURE"; }
before=$(snapshot)

# ---- the CLI ----------------------------------------------------------------------------------------
rc=0; onshi jobs > "$T/jobs.out" 2> "$T/jobs.err" || rc=$?
[ "$rc" = 0 ] || { cat "$T/jobs.err"; fail "jobs exited $rc"; }
assert_eq "rows the jobs list shows" 3 "$(grep -cE '^[0-9]+ ' "$T/jobs.out")"
grep -E "^$FUTURE +.*future_kind" "$T/jobs.out" | grep -q '不明' || { cat "$T/jobs.out"; fail "job $FUTURE not shown with its kind text marked unknown"; }
ok "jobs: every job listed, job $FUTURE as an unknown kind 'future_kind'"

for cmd in "job show $FUTURE" "resume $FUTURE" "cancel $FUTURE"; do
  rc=0
  # shellcheck disable=SC2086
  onshi $cmd > "$T/act.out" 2> "$T/act.err" || rc=$?
  [ "$rc" != 0 ] || fail "$cmd succeeded"
  grep -q "job $FUTURE has the kind 'future_kind'" "$T/act.err" || { cat "$T/act.err"; fail "$cmd: not the clear refusal"; }
  grep -qi internal "$T/act.err" && fail "$cmd: an internal error: $(cat "$T/act.err")"
  assert_eq "$cmd: exit status (usage)" 64 "$rc"
  assert_eq "$cmd: job $FUTURE unchanged" "$before" "$(snapshot)"
done

# ---- the daemon and the screens ------------------------------------------------------------------
log_mark
daemon_start
wait_sql "SELECT count(*) = 2 FROM onshi.job WHERE state = 'done'" 60
ok "the daemon ran the two known jobs"
wait_log "job $FUTURE .*'future_kind'" 30
ok "the daemon logged the unknown job"
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/api/session" && break; sleep 0.1; done
api GET /api/session > /dev/null
r=$(api GET /api/jobs)
status=$(tail -n 1 <<<"$r"); body=$(sed '$d' <<<"$r")
assert_eq "GET /api/jobs" 200 "$status"
assert_eq "jobs in GET /api/jobs" 3 "$(grep -o '"id":[0-9]*' <<<"$body" | wc -l)"
grep -q "{\"id\":$FUTURE,[^}]*\"kind\":\"future_kind\",\"kind_label\":\"不明な区分 (future_kind)\"" <<<"$body" \
  || fail "GET /api/jobs does not show job $FUTURE as unknown: $body"
grep -q "\"id\":$FUTURE,[^}]*\"kind_known\":false" <<<"$body" || fail "job $FUTURE not marked kind_known false: $body"
ok "GET /api/jobs: every job, $FUTURE with its raw kind marked unknown"
r=$(api GET "/api/jobs/$FUTURE")
assert_eq "GET /api/jobs/$FUTURE" 400 "$(tail -n 1 <<<"$r")"
grep -q "future_kind" <<<"$r" || fail "GET /api/jobs/$FUTURE: $r"
r=$(api GET "/api/jobs/$FUTURE/units")
assert_eq "GET /api/jobs/$FUTURE/units" 400 "$(tail -n 1 <<<"$r")"

# Another job after all that: the daemon still runs jobs and serves.
onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-50 days' +%Y%m%d)" --queue > /dev/null 2>&1 || fail "queueing job C"
wait_sql "SELECT count(*) = 3 FROM onshi.job WHERE state = 'done'" 60
assert_eq "GET /api/jobs after" 200 "$(api GET /api/jobs | tail -n 1)"
kill -0 "$LAST_DAEMON" || fail "the daemon is gone"
daemon_stop_all
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" > "$T/run.log"
assert_eq "job $FUTURE unchanged by the daemon" "$before" "$(snapshot)"
assert_eq "lines about job $FUTURE in the daemon's log" 1 "$(grep -c "job $FUTURE " "$T/run.log" || true)"
assert_eq "internal errors in the daemon's log" 0 "$(grep -ci 'internal' "$T/run.log" || true)"
echo "1 passed, 0 failed"
