#!/usr/bin/env bash
# 1,000 jobs waiting on OQS on one orca-onshid (issue 15): what waiting costs, and how fast the
# results go in once OQS has them. OQS (the simulator) answers 処理中 for BENCH_PROCESSING_S (60) s
# after each 01req. The jobs are queued as rows in one INSERT (the way the CLI and the screens queue
# them, minus 1,000 process starts); the trigger on onshi.job wakes the daemon.
# - while every job waits (all have a 受付番号, none is done), over BENCH_WINDOW_S (20) s: the
#   daemon's RSS, its CPU (utime+stime of all threads, /proc/PID/stat), its wake-ups per second
#   (voluntary + involuntary context switches of all its threads, /proc/PID/task/*/status), the state changes
#   it did, and the CPU of its PostgreSQL backends;
# - then: from the last 02res the simulator wrote (its mtime, kept in the archive) to the last job
#   done (finished_at: the P031 rows commit with it).
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
JOBS=${BENCH_JOBS:-1000}
PROC_S=${BENCH_PROCESSING_S:-60}
WINDOW=${BENCH_WINDOW_S:-20}
RESULT_TIMEOUT_S=$((PROC_S * 10))
. "$top_srcdir/tests/lib/env.sh"
env_setup "${BENCH_UNITS:-20}"
# The tests' poll_interval_ms=100 and result_settle_ms=300 unless BENCH_POLL_MS / BENCH_SETTLE_MS
# (the shipped defaults are 2000 and 1000).
sed -i -e "s/^poll_interval_ms=.*/poll_interval_ms=${BENCH_POLL_MS:-100}/" -e "s/^result_settle_ms=.*/result_settle_ms=${BENCH_SETTLE_MS:-300}/" "$CONF"
echo "poll_interval_ms=${BENCH_POLL_MS:-100} result_settle_ms=${BENCH_SETTLE_MS:-300}"
sim_start --processing 0 --processing-s "$PROC_S" --delay-ms 0 --poll-ms 20
daemon_start
DPID=$LAST_DAEMON
tck=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }'; }
backends() { q "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"; }
bcpu() { local s=0 p; for p in $(backends); do s=$((s + $(cpu "$p" 2>/dev/null || echo 0))); done; echo "$s"; }
steps() { grep -cE 'job [0-9]+: ' "$T/daemon.log" || true; }
sleep 2
i0=$(switches "$DPID"); ic0=$(cpu "$DPID")
sleep 10
i1=$(switches "$DPID"); ic1=$(cpu "$DPID")
printf 'idle (no job), 10 s: wake-ups %.1f /s, daemon CPU %.2f %%\n' "$(awk -v a="$i0" -v b="$i1" 'BEGIN { print (b - a) / 10 }')" \
  "$(awk -v a="$ic0" -v b="$ic1" -v t="$tck" 'BEGIN { print 100 * (b - a) / t / 10 }')"
t0=$(date +%s.%N)
q "INSERT INTO onshi.job (hospnum, kind, params, file_identifier)
   SELECT 1, 'homecare', jsonb_build_object('consent_from', to_char(current_date - 30 - g, 'YYYYMMDD'), 'consent_to', to_char(current_date, 'YYYYMMDD')),
          'ORCA-ONSHI-1-B' || g FROM generate_series(1, $JOBS) g" >/dev/null
wait_sql "SELECT count(*) = $JOBS FROM onshi.job WHERE reception_number <> ''" "$PROC_S"
t1=$(date +%s.%N)
printf 'all %s jobs sent and holding a 受付番号 after %.1f s\n' "$JOBS" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
sleep 5  # past the first quick polls

c0=$(cpu "$DPID"); w0=$(switches "$DPID"); b0=$(bcpu); s0=$(steps); done0=$(q "SELECT count(*) FROM onshi.job WHERE state = 'done'")
sleep "$WINDOW"
c1=$(cpu "$DPID"); w1=$(switches "$DPID"); b1=$(bcpu); s1=$(steps); done1=$(q "SELECT count(*) FROM onshi.job WHERE state = 'done'")
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$DPID/status")
threads=$(ls "/proc/$DPID/task" | wc -l)
[ "$done0" = 0 ] && [ "$done1" = 0 ] || echo "note: $done1 jobs were done by the end of the window (processing too short?)"
printf 'while %s jobs wait (%s s window): RSS %.1f MiB (peak %.1f), %s threads, daemon CPU %.2f %%, wake-ups %.1f /s, state changes %.1f /s, its PostgreSQL backends CPU %.2f %%\n' \
  "$JOBS" "$WINDOW" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" "$threads" \
  "$(awk -v a="$c0" -v b="$c1" -v t="$tck" -v w="$WINDOW" 'BEGIN { print 100 * (b - a) / t / w }')" \
  "$(awk -v a="$w0" -v b="$w1" -v w="$WINDOW" 'BEGIN { print (b - a) / w }')" \
  "$(awk -v a="$s0" -v b="$s1" -v w="$WINDOW" 'BEGIN { print (b - a) / w }')" \
  "$(awk -v a="$b0" -v b="$b1" -v t="$tck" -v w="$WINDOW" 'BEGIN { print 100 * (b - a) / t / w }')"

wait_sql "SELECT count(*) = $JOBS FROM onshi.job WHERE state = 'done'" $((PROC_S * 5))
daemon_stop_all
last_res=$(ls "$T"/archive/OQSmuhvq02res_* | xargs stat -c %.6Y | sort -n | tail -n 1)
last_done=$(q "SELECT extract(epoch from max(finished_at)) FROM onshi.job")
first_done=$(q "SELECT extract(epoch from min(finished_at)) FROM onshi.job")
rows=$(q "SELECT count(*) FROM tbl_onshi_kaku")
assert_eq "rows" "$((JOBS * $(expected_rows homecare)))" "$rows"
printf 'results: %s jobs done (%s rows) %.1f s from the first to the last; last 02res written -> last job done (its P031 rows committed): %.2f s\n' \
  "$JOBS" "$rows" "$(awk -v a="$first_done" -v b="$last_done" 'BEGIN { print b - a }')" "$(awk -v a="$last_res" -v b="$last_done" 'BEGIN { print b - a }')"
