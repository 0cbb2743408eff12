#!/usr/bin/env bash
# The screens cannot stop the jobs, and a locked or stopped database cannot stop the screens:
# - a 300 MB POST is answered 413 from its headers (the client stops sending when the answer comes)
#   and the screens' peak memory does not grow by the body, chunked or not;
# - with the screens' descriptors exhausted (the daemon under a 256-descriptor limit, 600 idle
#   connections held open) a job still finishes, and the screens answer again once they are let go
#   (libsoup 3.2.3's own listener stops accepting for good after EMFILE);
# - with the screens process frozen (SIGSTOP) a job still finishes; killed, it is started again;
# - with tbl_onshi_kaku locked (ACCESS EXCLUSIVE): static pages and login answer, the API answers
#   503, SIGHUP reloads, all before the lock is released; then the API answers again;
#   clients that go away while their request waits are not answered, and leave nothing behind;
# - with PostgreSQL stopped: 503 for the API, static pages still served; it recovers when PostgreSQL is back.
. "$top_srcdir/tests/lib/env.sh"
env_setup 30
sim_start --processing 0 --delay-ms 20
LOAD="python3 $top_srcdir/tests/lib/webload.py"

web_setup "users_file=$T/users"
PW='Kx7#pLm2qR9vT4wZ-robust'
printf '%s\n' "$PW" | onshi user add kanri --role admin >/dev/null
code() { curl -s -o /dev/null -m 20 -w '%{http_code}' -b "$JAR" "$@"; }
login() { curl -s -o "$T/login.json" -m 20 -w '%{http_code}' -c "$JAR" --data-urlencode user=kanri --data-urlencode "password=$PW" "$BASE/api/login"; }
wait_http() {
  local i
  for i in $(seq 1 150); do [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/style.css")" = 200 ] && return 0; sleep 0.1; done
  fail "no answer from $BASE"
}
screens_pid() { { pgrep -P "$MAIN" -f -- '--screens' || true; } | head -n 1; }
vmhwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
queue_job() { onshi fetch --hospnum 1 --kind homecare --consent-from "$1" --queue 2>/dev/null | awk '/queued/ { print $2 }'; }

# The daemon alone under a 256-descriptor limit (the load client is not under it).
(ulimit -n 256; exec "$top_builddir/orca-onshid" --config "$CONF" --verbose >>"$T/daemon.log" 2>&1) &
MAIN=$!
DAEMON_PIDS+=("$MAIN")
wait_http
SP=$(screens_pid)
[ -n "$SP" ] && [ "$SP" != "$MAIN" ] || fail "no screens process under orca-onshid $MAIN"
ok "the screens run in process $SP, apart from orca-onshid $MAIN"
assert_eq "login" 200 "$(login)"

# ---- 4. bodies over the limit ----
before=$(vmhwm_kb "$SP")
r=$($LOAD bigpost "$PORT" $((300 * 1024 * 1024)))
assert_eq "300 MB POST (Content-Length)" "status=413" "$(sed -n 's/^\(status=.*\)/\1/p' <<<"$r")"
sent=$(sed -n 's/^sent=//p' <<<"$r")
[ "$sent" -lt $((32 * 1024 * 1024)) ] || fail "the client sent $sent bytes before the 413 came"
ok "413 came after $sent body bytes of 314572800 (from the headers)"
r=$($LOAD bigpost "$PORT" $((300 * 1024 * 1024)) chunked)
assert_eq "300 MB POST (chunked)" "status=413" "$(sed -n 's/^\(status=.*\)/\1/p' <<<"$r")"
after=$(vmhwm_kb "$SP")
echo "# screens VmHWM: $before kB before, $after kB after two 300 MB POSTs"
[ $((after - before)) -lt $((32 * 1024)) ] || fail "the screens' peak memory grew by $((after - before)) kB"
ok "peak memory of the screens grew by $((after - before)) kB, not by the body"
assert_eq "a small POST still works" 200 "$(login)"

# ---- 3. the screens' descriptors exhausted: jobs go on, the screens come back ----
$LOAD hold "$PORT" 600 60 > "$T/hold.out" &
HOLD=$!
for i in $(seq 1 100); do grep -q connected= "$T/hold.out" && break; sleep 0.1; done
grep -q connected= "$T/hold.out" || fail "the load client did not connect"
held_fds=$(fds "$SP")
[ "$held_fds" -ge 64 ] || fail "the screens hold only $held_fds descriptors: the load did not reach them"
ok "the screens hold $held_fds descriptors under $(sed -n 's/connected=//p' "$T/hold.out") idle connections"
id=$(queue_job 20200101)
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
kill -0 "$HOLD" 2>/dev/null || fail "the idle connections were let go before the job finished"
ok "job $id finished while the screens' descriptors were exhausted"
kill "$HOLD"; wait "$HOLD" 2>/dev/null || true
wait_http
assert_eq "the screens answer again after the load" 200 "$(code "$BASE/style.css")"
assert_eq "and their API" 200 "$(code "$BASE/api/jobs")"

# ---- 3. the screens frozen, then killed: jobs go on, the screens are started again ----
kill -STOP "$SP"
id=$(queue_job 20200102)
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
ok "job $id finished while the screens process was stopped"
kill -KILL "$SP"
for i in $(seq 1 100); do NEW=$(screens_pid); [ -n "$NEW" ] && [ "$NEW" != "$SP" ] && break; sleep 0.1; done
[ -n "$NEW" ] && [ "$NEW" != "$SP" ] || fail "no new screens process after SIGKILL"
grep -q "the screens process ended (signal 9)" "$T/daemon.log" || fail "the screens' death is not logged"
wait_http
ok "screens process $SP killed; $NEW serves"
SP=$NEW
kill -0 "$MAIN" || fail "orca-onshid died with its screens"
assert_eq "login on the new screens process" 200 "$(login)"
JOB=$id

# ---- 5. a locked ORCA table ----
rows=$(q "SELECT count(*) FROM tbl_onshi_kaku")
[ "$rows" -gt 0 ] || fail "no rows to lock"
lock_table tbl_onshi_kaku
# Two API requests that read tbl_onshi_kaku wait on the lock first (the old daemon froze here).
curl -s -o /dev/null -m 30 -w '%{http_code}\n' -b "$JAR" "$BASE/api/jobs/$JOB/units" > "$T/api1" &
A1=$!
curl -s -o /dev/null -m 30 -w '%{http_code}\n' -b "$JAR" "$BASE/api/p031?hospnum=1" > "$T/api2" &
A2=$!
sleep 0.3
t0=$(date +%s%N)
assert_eq "static page while tbl_onshi_kaku is locked" 200 "$(code "$BASE/style.css")"
t1=$(date +%s%N)
assert_eq "login while tbl_onshi_kaku is locked" 200 "$(login)"
t2=$(date +%s%N)
reloads=$(grep -c "web: configuration reloaded" "$T/daemon.log" || true)
kill -HUP "$MAIN"
for i in $(seq 1 100); do [ "$(grep -c "web: configuration reloaded" "$T/daemon.log")" -gt "$reloads" ] && break; sleep 0.05; done
[ "$(grep -c "web: configuration reloaded" "$T/daemon.log")" -gt "$reloads" ] || fail "SIGHUP did not reload the screens"
t3=$(date +%s%N)
wait "$A1" "$A2"
t4=$(date +%s%N)
assert_eq "API reading the locked table" 503 "$(cat "$T/api1")"
assert_eq "P031 reading the locked table" 503 "$(cat "$T/api2")"
assert_eq "all that answered before the lock was released" 1 "$(lock_held)"
echo "# locked table: static $(( (t1 - t0) / 1000000 )) ms, login $(( (t2 - t1) / 1000000 )) ms, SIGHUP reload $(( (t3 - t2) / 1000000 )) ms, API 503 within $(( (t4 - t0) / 1000000 + 300 )) ms of the request"
# Clients that go away while their request waits on the lock: not answered, nothing kept.
fds0=$(fds "$SP")
for i in $(seq 1 20); do curl -s -o /dev/null -m 0.2 -b "$JAR" "$BASE/api/jobs/$JOB/units" || true; done
sleep 2.5  # their deadlines pass, then one sweep
assert_eq "the lock was still held" 1 "$(lock_held)"
kill -0 "$SP" || fail "the screens process died when clients went away"
[ "$(fds "$SP")" -le $((fds0 + 4)) ] || fail "descriptors after 20 abandoned requests: $fds0 before, $(fds "$SP") after"
ok "20 requests abandoned by their clients: screens alive, descriptors $fds0 -> $(fds "$SP")"
unlock_table
assert_eq "API after the lock is released" 200 "$(code "$BASE/api/jobs/$JOB/units")"

# ---- 5. PostgreSQL stopped, then back ----
pg_stop
assert_eq "API with PostgreSQL stopped" 503 "$(code "$BASE/api/jobs")"
assert_eq "static page with PostgreSQL stopped" 200 "$(code "$BASE/style.css")"
pg_restart
for i in $(seq 1 100); do [ "$(code "$BASE/api/jobs")" = 200 ] && break; sleep 0.2; done
assert_eq "API once PostgreSQL is back" 200 "$(code "$BASE/api/jobs")"
kill -0 "$SP" || fail "the screens process died on the way"
echo "1 passed, 0 failed"
