#!/usr/bin/env bash
# Soak (loopback, bounded): while 10 jobs run, 5,000 keep-alive connections closed by the client,
# rounds of 200 concurrent page loads and 5 slow-header clients. Then, under more load, a locked
# tbl_onshi_kaku. Asserts: the descriptor counts of both processes end where they started (within a
# small constant), every page load and job finished, the slow clients were disconnected, static pages
# answered while the table was locked. Figures (printed with '#') go to BENCHMARKS.md, not asserted.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60
sim_start --processing 1 --delay-ms 20
LOAD="python3 $top_srcdir/tests/lib/webload.py"
web_setup
code() { curl -s -o /dev/null -m 20 -w '%{http_code}' "$@"; }
fds() { ls "/proc/$1/fd" | wc -l; }
field() { sed -n "s/^$1=//p" <<<"$2"; }

daemon_start
MAIN=$LAST_DAEMON
for i in $(seq 1 150); do [ "$(code "$BASE/style.css")" = 200 ] && break; sleep 0.1; done
SP=$({ pgrep -P "$MAIN" -f -- '--screens' || true; } | head -n 1)
[ -n "$SP" ] || fail "no screens process"
# Warm up: the pool's database connections open, the worker's too.
r=$($LOAD burst "$PORT" 20 /api/jobs)
assert_eq "warm-up API calls" 20 "$(field ok "$r")"
sleep 1
main0=$(fds "$MAIN"); screens0=$(fds "$SP")
echo "# descriptors before: orca-onshid $main0, screens $screens0"

start=$(date +%s)
for k in $(seq 30 39); do
  onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d "-$k days" +%Y%m%d)" --queue >/dev/null 2>&1
done
assert_eq "jobs queued" 10 "$(q "SELECT count(*) FROM onshi.job")"
$LOAD slow "$PORT" 5 30 > "$T/slow.out" &
SLOW=$!
$LOAD keepalive "$PORT" 5000 50 /style.css > "$T/keepalive.out" &
KA=$!
r=$($LOAD burst "$PORT" 200 /index.html 10)
grep -o "p50_ms=.*" <<<"$r" | sed "s/^/# 200 concurrent \/index.html x 10 rounds during jobs and keep-alive churn: /"
assert_eq "page loads under load" 2000 "$(field ok "$r")"
wait "$KA"
assert_eq "keep-alive connections closed by the client, answered" 5000 "$(field ok "$(cat "$T/keepalive.out")")"
echo "# during the keep-alive churn: orca-onshid $(fds "$MAIN"), screens $(fds "$SP") descriptors"
wait_sql "SELECT count(*) = 10 FROM onshi.job WHERE state = 'done'" 120
ok "10 jobs done under load in $(( $(date +%s) - start )) s"
# How long the worker sat idle between one job's end and the next one's first request (should be its poll).
echo "# job gaps: $(q "SELECT 'max ' || round(extract(epoch FROM max(gap)) * 1000) || ' ms, mean ' || round(extract(epoch FROM avg(gap)) * 1000) || ' ms'
  FROM (SELECT requested_at - lag(finished_at) OVER (ORDER BY requested_at) AS gap FROM onshi.job) g WHERE gap IS NOT NULL")"

# A locked ORCA table under more load: static pages still answer, the lock still held meanwhile.
lock_table tbl_onshi_kaku
$LOAD burst "$PORT" 50 "/api/p031?hospnum=1" > "$T/api.out" &
API=$!
r=$($LOAD burst "$PORT" 200 /style.css 3)
assert_eq "static pages while tbl_onshi_kaku is locked" 600 "$(field ok "$r")"
grep -o 'p50_ms=.*' <<<"$r" | sed 's/^/# static pages with the table locked and 50 API calls waiting: /'
assert_eq "the lock was still held" 1 "$(lock_held)"
wait "$API"
assert_eq "API calls on the locked table" "statuses=503:50" "$(grep statuses= "$T/api.out")"
unlock_table

wait "$SLOW"
assert_eq "slow-header clients disconnected" 5 "$(field disconnected "$(cat "$T/slow.out")")"
echo "# slow-header clients disconnected after at most $(field max_s "$(cat "$T/slow.out")") s"
sleep 2  # one sweep of the screens' connections
main1=$(fds "$MAIN"); screens1=$(fds "$SP")
echo "# descriptors after: orca-onshid $main1, screens $screens1"
[ "$main1" -le $((main0 + 4)) ] || fail "orca-onshid descriptors: $main0 before, $main1 after"
[ "$screens1" -le $((screens0 + 4)) ] || fail "screens descriptors: $screens0 before, $screens1 after"
ok "descriptors flat: orca-onshid $main0 -> $main1, screens $screens0 -> $screens1"
[ "$(code "$BASE/api/jobs")" = 200 ] || fail "the API does not answer after the soak"
kill -0 "$SP" || fail "the screens process died"
echo "1 passed, 0 failed"
