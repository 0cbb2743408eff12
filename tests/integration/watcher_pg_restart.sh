#!/usr/bin/env bash
# The result folder watcher after a PostgreSQL restart (crash: pg_ctl stop -m immediate, then start):
# its kept connection is dead, and the first make_due (a result file of a waiting job appearing) goes
# through its db::Session onto a new connection at once instead of failing. Asserted on the lines
# this daemon wrote after the restart only: no "result folder watch: ..." failure, and the job queued
# after the restart is done. (Before the fix: the first make_due failed with the dead connection and
# only the 200 ms second wake-up made the job due.)
. "$top_srcdir/tests/lib/env.sh"
env_setup 10
sim_start --processing 0 --delay-ms 10

daemon_start
onshi fetch --hospnum 1 --kind homecare --queue > /dev/null 2>&1 || fail "queueing job 1"
wait_sql "SELECT count(*) = 1 FROM onshi.job WHERE state = 'done'" 60
ok "job 1 done: the watcher made it due over its connection"
# The watcher's backend: the one that ran make_due's UPDATE (the last statement of that connection).
wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'orca-onshi' AND query LIKE 'UPDATE onshi.job SET next_at = now() WHERE id = \$1 AND hospnum%'" 10
ok "the watcher holds a connection"

pg_stop
sleep 1
pg_restart
ok "PostgreSQL restarted"
log_mark
kill -0 "$LAST_DAEMON" || fail "the daemon died with the database"
onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-40 days' +%Y%m%d)" --queue > /dev/null 2>&1 || fail "queueing job 2"
wait_sql "SELECT count(*) = 2 FROM onshi.job WHERE state = 'done'" 90
ok "job 2 done after the restart"
# The watcher saw job 2's result files (its debug lines are not needed: the job reached done through
# 01res and 02res, and each appearance called make_due).
wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'orca-onshi' AND query LIKE 'UPDATE onshi.job SET next_at = now() WHERE id = \$1 AND hospnum%'" 10
ok "the watcher is on a new connection"
daemon_stop_all
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" > "$T/after.log"
[ -s "$T/after.log" ] || fail "the daemon wrote nothing after the restart"
if grep -q 'result folder watch' "$T/after.log"; then
  grep 'result folder watch' "$T/after.log" >&2
  fail "the watcher failed on its dead connection after the restart"
fi
ok "no result folder watch failure after the restart ($(wc -l < "$T/after.log") lines written since)"
echo "1 passed, 0 failed"
