#!/usr/bin/env bash
# The daemon's threads wait longer after each database failure in a row (db::Session: 1 s, 2 s, 4 s,
# at most 5 s), also when the connection opens but the first statement fails every time (the
# module's queue table gone: `relation "onshi.job" does not exist`): no reconnect every second for
# as long as it lasts. Once the table is back, the daemon runs a job as before and a failure after
# that success waits 1 s again (the count starts over). The waits are read from the daemon's own
# debug lines (--verbose), not timed.
. "$top_srcdir/tests/lib/env.sh"
env_setup 5
sim_start --processing 0 --delay-ms 10
daemon_start
wait_sql "SELECT count(*) >= 4 FROM pg_stat_activity WHERE application_name = 'orca-onshi'" 30
ok "the daemon is connected (3 step threads, LISTEN)"

log_mark
q "ALTER TABLE onshi.job RENAME TO job_away" > /dev/null
wait_log 'relation "onshi.job" does not exist' 30
ok "the step threads fail on the missing table"
wait_log "database: [0-9]+ failures in a row; next try in 4000 ms" 60
ok "the wait doubled to 4 s: each new connection's failure counted as one more in a row"
kill -0 "$LAST_DAEMON" || fail "the daemon died"

q "ALTER TABLE onshi.job_away RENAME TO job" > /dev/null
id=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
[ -n "$id" ] || fail "no job queued"
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
ok "job $id done once the table is back"
# A success in between: the next failure waits 1 s again (not the 5 s the count had reached).
wait_sql "SELECT count(*) >= 4 FROM pg_stat_activity WHERE application_name = 'orca-onshi' AND state = 'idle'" 30
log_mark
q "ALTER TABLE onshi.job RENAME TO job_away" > /dev/null
wait_log "database: 1 failure in a row; next try in 1000 ms" 30
ok "after the success, the first failure waits 1 s"
q "ALTER TABLE onshi.job_away RENAME TO job" > /dev/null
daemon_stop_all
echo "1 passed, 0 failed"
