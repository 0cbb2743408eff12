#!/usr/bin/env bash
# A running daemon's descriptors and PostgreSQL backends stay flat: across many polls of ORCA's
# 同意一括 (tbl_jobkanri, every 2 s on the ticker's kept connection) and across a PostgreSQL restart
# (crash: pg_ctl stop -m immediate, then start), after which every thread is back on one connection
# of its own (never two), the ORCA-button poll runs again, and a job queued then is run to done.
# Counts, not times: /proc/PID/fd and pg_stat_activity rows of the daemon (application orca-onshi).
. "$top_srcdir/tests/lib/env.sh"
env_setup 20
echo "serve_orca_jobs=true" >> "$CONF"
sim_start --processing 0 --delay-ms 10

fds() { ls "/proc/$LAST_DAEMON/fd" | wc -l; }
backends() { q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'orca-onshi'"; }
# The ticker's poll of tbl_jobkanri: its backend (pid) and when the statement started.
poll_stamp() {
  q "SELECT pid || ' ' || query_start FROM pg_stat_activity WHERE application_name = 'orca-onshi'
     AND query LIKE 'SELECT jobid, shellid%tbl_jobkanri%' ORDER BY query_start DESC LIMIT 1"
}
# wait_polls N: until the ticker has polled tbl_jobkanri N more times (each seen as a new stamp);
# POLL_PIDS: the backends those polls ran on.
wait_polls() {
  local want=$1 seen=0 last now i
  last=$(poll_stamp)
  POLL_PIDS=
  for i in $(seq 1 $((want * 60))); do
    now=$(poll_stamp)
    if [ -n "$now" ] && [ "$now" != "$last" ]; then
      seen=$((seen + 1)); last=$now
      case " $POLL_PIDS " in *" ${now%% *} "*) ;; *) POLL_PIDS="${POLL_PIDS:+$POLL_PIDS }${now%% *}" ;; esac
    fi
    [ "$seen" -ge "$want" ] && return 0
    sleep 0.1
  done
  fail "the ORCA-button poll ran $seen times, not $want"
}
queue_and_wait() {  # a homecare job queued now, run by the daemon to done
  local id
  id=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
  [ -n "$id" ] || fail "no job queued"
  wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
  echo "$id"
}

daemon_start
first=$(queue_and_wait)
ok "job $first done (every thread has used its connection)"
wait_polls 2
fd0=$(fds); be0=$(backends)
[ "$be0" -ge 5 ] || fail "only $be0 backends of the daemon (3 step threads, LISTEN, ticker at least)"
ok "steady: $fd0 descriptors, $be0 backends"

wait_polls 10
assert_eq "backends of 10 ORCA-button polls (one kept connection)" "1" "$(echo $POLL_PIDS | wc -w)"
pid_before=$POLL_PIDS
assert_eq "descriptors after 10 more ORCA-button polls" "$fd0" "$(fds)"
assert_eq "backends after 10 more ORCA-button polls" "$be0" "$(backends)"

pg_stop
sleep 1
pg_restart
ok "PostgreSQL restarted"
kill -0 "$LAST_DAEMON" || fail "the daemon died with the database"
wait_polls 2
[ "$POLL_PIDS" != "$pid_before" ] || fail "the ORCA-button poll ran on backend $POLL_PIDS, the one from before the restart"
ok "the ORCA-button poll runs again, on a new connection"
second=$(queue_and_wait)
ok "job $second, queued after the restart, done"
wait_polls 3
kill -0 "$LAST_DAEMON" || fail "the daemon is gone"
# Every thread that had a connection has one again, none has two, no old descriptor is left.
# (The result folder watcher connects only when a result file needs a job made due, so it may
# not have reconnected yet: one backend less at most, and its descriptor with it.)
fd1=$(fds); be1=$(backends)
[ "$be1" -le "$be0" ] || fail "backends: $be1 after the restart, $be0 before"
[ "$be1" -ge $((be0 - 1)) ] || fail "backends: $be1 after the restart, $be0 before (threads without a connection)"
ok "backends after the restart: $be1 (before: $be0)"
[ "$fd1" -le "$fd0" ] || fail "descriptors: $fd1 after the restart, $fd0 before"
[ "$fd1" -ge $((fd0 - 1)) ] || fail "descriptors: $fd1 after the restart, $fd0 before"
ok "descriptors after the restart: $fd1 (before: $fd0)"
assert_eq "LISTEN given on the new connection" "1" \
  "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'orca-onshi' AND query = 'LISTEN onshi_job'")"

wait_polls 10
assert_eq "backends of 10 more ORCA-button polls" "1" "$(echo $POLL_PIDS | wc -w)"
assert_eq "descriptors after 10 more polls" "$fd1" "$(fds)"
assert_eq "backends after 10 more polls" "$be1" "$(backends)"
daemon_stop_all
assert_eq "jobs done" "2" "$(q "SELECT count(*) FROM onshi.job WHERE state = 'done'")"
echo "1 passed, 0 failed"
