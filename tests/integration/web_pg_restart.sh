#!/usr/bin/env bash
# The screens after a PostgreSQL restart (crash: pg_ctl stop -m immediate, then start), PostgreSQL up
# again before the next request: each pool thread's kept connection is dead, and a GET that meets one
# is given again on a new connection at once (db::Session::dead: libpq still calls the connection up
# after the statement that failed on it), so every request after the restart answers 200, none 503.
. "$top_srcdir/tests/lib/env.sh"
env_setup 5
web_setup
code() { curl -s -o /dev/null -m 20 -b "$JAR" -w '%{http_code}' "$1"; }
daemon_start
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/api/session" && break; sleep 0.1; done
curl -s -b "$JAR" -c "$JAR" -o /dev/null "$BASE/api/session"
# Every pool thread opens its connection: rounds of concurrent requests until the screens hold 3.
# The pool's connections: their last statement is the jobs list (no job exists: the daemon's step
# threads never load one, so only the screens run it).
backends() { q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'orca-onshi' AND query LIKE 'SELECT id, hospnum, kind, %'"; }
for round in $(seq 1 50); do
  pids=()
  for i in 1 2 3 4 5 6; do code "$BASE/api/jobs" > "$T/c.$i" & pids+=($!); done
  wait "${pids[@]}"
  for i in 1 2 3 4 5 6; do assert_eq "GET /api/jobs before the restart" 200 "$(cat "$T/c.$i")" > /dev/null; done
  [ "$(backends)" -ge 3 ] && break
done
[ "$(backends)" -ge 3 ] || fail "the screens' pool never held 3 connections ($(backends))"
ok "the screens' pool threads hold their connections"

pg_stop
sleep 1
pg_restart
ok "PostgreSQL restarted"
for i in $(seq 1 9); do
  assert_eq "GET /api/jobs $i after the restart" 200 "$(code "$BASE/api/jobs")"
done
daemon_stop_all
echo "1 passed, 0 failed"
