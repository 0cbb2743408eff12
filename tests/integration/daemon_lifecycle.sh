#!/usr/bin/env bash
# The daemon's life: a schedule queues its slot once however many daemons run; SIGTERM stops it
# cleanly in the middle of a job (which the next daemon finishes); SIGHUP re-reads the configuration
# and refuses a broken one.
. "$top_srcdir/tests/lib/env.sh"
env_setup 40
sim_start --processing 2 --delay-ms 100
slot=$(date -d '-1 minute' +%H:%M)
echo "schedule_homecare = daily $slot" >> "$CONF"

# A queued job of a facility this daemon does not serve (another daemon's) must not block its own.
q "INSERT INTO onshi.job (hospnum, kind, params, file_identifier) VALUES (2, 'homecare', '{\"consent_from\":\"20200101\",\"consent_to\":\"20200131\"}', 'ORCA-ONSHI-2-x')" > /dev/null
daemon_start
daemon_start
wait_sql "SELECT count(*) = 1 AND bool_and(state = 'done') FROM onshi.job WHERE hospnum = 1" 60
assert_eq "the other facility's job is left alone" "queued" "$(q "SELECT state FROM onshi.job WHERE hospnum = 2")"
q "DELETE FROM onshi.job WHERE hospnum = 2" > /dev/null
sleep 1
assert_eq "scheduled jobs for the slot (two daemons)" "1" "$(q "SELECT count(*) FROM onshi.job WHERE scheduled_for IS NOT NULL")"
assert_eq "scheduled slot" "$(date +%Y-%m-%d) $slot:00" "$(q "SELECT to_char(scheduled_for, 'YYYY-MM-DD HH24:MI:SS') FROM onshi.job")"
assert_eq "scheduled job rows" "$(expected_rows homecare)" "$(q "SELECT rows_written FROM onshi.job")"
daemon_stop_all
sed -i '/^schedule_homecare/d' "$CONF"

# SIGTERM while a job waits on OQS: exit 0 within seconds, the job is left resumable, not failed.
sim_start --fault processing-forever --processing 1 --delay-ms 50 --state "$T/sim-state"
id=$(onshi fetch --hospnum 1 --kind homecare --consent-from 20200101 --queue 2>/dev/null | awk '/queued/ { print $2 }')
daemon_start
wait_sql "SELECT state IN ('received','polling') AND poll_count >= 1 FROM onshi.job WHERE id = $id" 30
log_mark
start=$(date +%s%N)
kill -TERM "$LAST_DAEMON"
wait "$LAST_DAEMON"; rc=$?
DAEMON_PIDS=()
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "SIGTERM: exit status" "0" "$rc"
[ "$ms" -lt 3000 ] || fail "SIGTERM took $ms ms"
ok "SIGTERM: stopped in $ms ms"
state=$(q "SELECT state FROM onshi.job WHERE id = $id")
case "$state" in received|polling) ok "SIGTERM: job left resumable ($state)" ;; *) fail "SIGTERM: job is $state" ;; esac
wait_log "stopping: finishing the current step" 1
sim_start --processing 0 --delay-ms 20 --state "$T/sim-state"
daemon_start
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
ok "the next daemon finished job $id"

# SIGHUP: a broken configuration is refused and the running one kept.
echo "bogus_key = 1" >> "$CONF"
log_mark
kill -HUP "$LAST_DAEMON"
wait_log "reload refused, keeping the running configuration|configuration reloaded" 10
grep -q "reload refused, keeping the running configuration" "$T/daemon.log.since" || fail "broken reload not refused"
! grep -q "configuration reloaded" "$T/daemon.log.since" || fail "broken configuration loaded"
sed -i '/^bogus_key/d' "$CONF"
log_mark
kill -HUP "$LAST_DAEMON"
wait_log "reload refused, keeping the running configuration|configuration reloaded" 10
grep -q "configuration reloaded" "$T/daemon.log.since" || fail "reload not done"
kill -0 "$LAST_DAEMON" || fail "the daemon died on SIGHUP"
ok "SIGHUP: broken configuration refused, good one loaded"
echo "1 passed, 0 failed"
