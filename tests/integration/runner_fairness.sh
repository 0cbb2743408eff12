#!/usr/bin/env bash
# A facility whose request folder is broken must not stall the others (issue 15: fair between
# facilities; a fault in one part never stops the others). Facility 2's req_dir is a regular file, so
# every step of its jobs fails with an I/O error (as root, a permission-denied folder cannot be made).
# Its three queued jobs (one per step thread) are queued first, so they are the longest due; then six
# requests of facility 1. All six must be done while facility 2's jobs stay unfinished and resumable;
# once facility 2's folder is mended, its jobs go on to done too.
. "$top_srcdir/tests/lib/env.sh"
env_setup 20
"$SIM" populate --seed "$SEED" --size "$SIZE" --hospnum 2 --today "$TODAY" | psql -Xq -v ON_ERROR_STOP=1 >/dev/null
q "INSERT INTO tbl_syskanri (hospnum, kanricd, kbncd, styukymd, edyukymd, kanritbl, termid, opid, creymd, upymd, uphms)
   SELECT 2, kanricd, kbncd, styukymd, edyukymd, kanritbl, termid, opid, creymd, upymd, uphms FROM tbl_syskanri WHERE hospnum = 1" >/dev/null
: > "$T/broken"   # a file where facility 2's request folder should be
sed -n '/^\[facility 1\]/,$p' "$CONF" | sed -e "s/^\[facility 1\]/[facility 2]/" -e "s|^req_dir=.*|req_dir=$T/broken|" >> "$CONF"
sim_start --processing 1 --delay-ms 10

consent() { date -d "-$1 days" +%Y%m%d; }
for i in 1 2 3; do
  onshi fetch --hospnum 2 --kind homecare --consent-from "$(consent $((30 + i)))" --queue >/dev/null 2>&1 || fail "queueing facility 2's job $i"
done
first=$(q "SELECT max(id) FROM onshi.job")
log_mark
daemon_start
wait_log "Not a directory" 20
for i in 1 2 3 4 5 6; do
  onshi fetch --hospnum 1 --kind homecare --consent-from "$(consent $((40 + i)))" --queue >/dev/null 2>&1 || fail "queueing facility 1's job $i"
done
# Generous: six requests take a few seconds when facility 1 has the step threads to itself.
wait_sql "SELECT count(*) = 6 FROM onshi.job WHERE id > $first AND finished_at IS NOT NULL" 60
assert_eq "facility 1: jobs done" "6" "$(q "SELECT count(*) FROM onshi.job WHERE id > $first AND state = 'done'")"
assert_eq "facility 2: jobs unfinished (resumable), none failed by our own folder" "3" \
  "$(q "SELECT count(*) FROM onshi.job WHERE hospnum = 2 AND state = 'queued'")"
grep -qE "Not a directory" "$T/daemon.log" || fail "the daemon logged no error for facility 2's folder"
ok "the daemon logs facility 2's folder error"

# Mended: facility 2's jobs go on (the runner retries them; no restart, no resume needed).
rm -f "$T/broken"; mkdir "$T/broken"
"$SIM" serve --req-dir "$T/broken" --res-dir "$T/res" --seed "$SEED" --size "$SIZE" --poll-ms 50 --processing 1 --delay-ms 10 2>>"$T/sim2.log" &
SIM2=$!
wait_sql "SELECT count(*) = 3 FROM onshi.job WHERE hospnum = 2 AND state = 'done'" 60
kill "$SIM2"; wait "$SIM2" 2>/dev/null || true
ok "facility 2: its 3 jobs done once its folder is mended"
daemon_stop_all
echo "1 passed, 0 failed"
