#!/usr/bin/env bash
# Database faults during an ingest, each made to happen at a known point (a session holding a lock
# on onshi.result_unit stops the ingest after its tbl_onshi_kaku COPY, inside its transaction):
#  1. PostgreSQL stopped (-m immediate) mid-ingest: the job fails with a database error and no
#     partial rows; after the restart orca-onshid retries the job and it completes, once.
#  2. Two ingests of the same result at once: one wins, the other writes nothing (exact counts).
#  3. Disk full (tbl_onshi_kaku on a 256 KiB tmpfs tablespace): the COPY fails, everything rolls
#     back, the message says why; once there is room the same file goes in whole.
# Runs in a private mount namespace (as root) so the tmpfs disappears with the test.
if [ "$(id -u)" = 0 ] && [ -z "${ONSHI_DB_FAULTS_NS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
  ONSHI_DB_FAULTS_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$top_srcdir/tests/lib/env.sh"
trap 'umount "$T/tiny" 2>/dev/null || true; env_cleanup' EXIT
env_setup 60
F=$T/f; mkdir -p "$F"

# hold_lock: a session that holds onshi.result_unit until it is terminated (its pid in HOLDER).
hold_lock() {
  psql -XAtq -c "BEGIN; LOCK TABLE onshi.result_unit IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(300);" >/dev/null 2>&1 &
  HOLDER_SHELL=$!
  wait_sql "SELECT count(*) = 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'result_unit' AND l.granted AND l.mode = 'AccessExclusiveLock'" 20
  HOLDER=$(q "SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'result_unit' AND l.granted AND l.mode = 'AccessExclusiveLock'")
}
release_lock() {
  q "SELECT pg_terminate_backend($HOLDER)" >/dev/null
  wait "$HOLDER_SHELL" 2>/dev/null || true
}
# waiting_on PATTERN: a backend whose query matches PATTERN waits for a lock.
waiting_on() {
  wait_sql "SELECT count(*) >= 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '$1'" 30
}
counts() { q "SELECT (SELECT count(*) FROM tbl_onshi_kaku) || '/' || (SELECT count(*) FROM onshi.result_file) || '/' || (SELECT count(*) FROM onshi.result_unit)"; }

# ---- 1. PostgreSQL stopped in the middle of a job's ingest ----
sim_start --processing 0 --delay-ms 20
hold_lock
set +e
onshi fetch --hospnum 1 --kind homecare > "$F/stop.out" 2> "$F/stop.err" &
fetch_pid=$!
set -e
waiting_on 'COPY onshi.result_unit%'
# Its rows are on disk but not committed: the table has pages, and nobody else sees a row.
assert_eq "mid-ingest: rows visible to others" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
[ "$(q "SELECT pg_relation_size('tbl_onshi_kaku')")" -gt 0 ] || fail "mid-ingest: tbl_onshi_kaku has no pages yet"
ok "the ingest wrote its tbl_onshi_kaku rows ($(q "SELECT pg_relation_size('tbl_onshi_kaku')") bytes) and waits inside its transaction"
job=$(q "SELECT id FROM onshi.job ORDER BY id DESC LIMIT 1")
pg_stop
set +e; wait "$fetch_pid"; rc=$?; set -e
assert_eq "postgres stopped mid-ingest: fetch exit status (5 = database)" "5" "$rc"
grep -qi "database\|server closed the connection\|terminating connection" "$F/stop.err" || { cat "$F/stop.err" >&2; fail "no clear database message"; }
ok "message: $(tail -n 1 "$F/stop.err")"
pg_restart
assert_eq "after the restart: rows/result files/units" "0/0/0" "$(counts)"
assert_eq "after the restart: the job is still waiting for its result" "polling" "$(q "SELECT state FROM onshi.job WHERE id = $job")"
ls "$T/res" | grep -q '02res_' || fail "the result file was retired although nothing was committed"
daemon_start
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $job" 60
daemon_stop_all
sim_stop
rows=$(expected_rows homecare)
assert_eq "retried by orca-onshid: rows (written once)" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
assert_eq "retried: result files" "1" "$(q "SELECT count(*) FROM onshi.result_file")"
assert_eq "retried: the job ran twice" "2" "$(q "SELECT attempts FROM onshi.job WHERE id = $job")"
assert_eq "retried: rows the job counted" "$rows" "$(q "SELECT rows_written FROM onshi.job WHERE id = $job")"
clear_results all

# ---- 2. Two ingests of one result at the same time ----
"$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" --reception R_RACE --out "$F/race_a.xml"
cp "$F/race_a.xml" "$F/race_b.xml"   # the same result under another name (delivered twice)
hold_lock
onshi ingest --hospnum 1 "$F/race_a.xml" > "$F/race_a.out" 2> "$F/race_a.err" &
a_pid=$!
waiting_on 'COPY onshi.result_unit%'
onshi ingest --hospnum 1 "$F/race_b.xml" > "$F/race_b.out" 2> "$F/race_b.err" &
b_pid=$!
waiting_on 'INSERT INTO onshi.result_file%'
ok "both ingests are inside their transactions: A after its rows, B on the same result key"
release_lock
set +e; wait "$a_pid"; a_rc=$?; wait "$b_pid"; b_rc=$?; set -e
assert_eq "race: A exit status" "0" "$a_rc"
assert_eq "race: B exit status" "0" "$b_rc"
grep -q "取込済み" "$F/race_b.out" || { cat "$F/race_b.out" "$F/race_b.err" >&2; fail "race: B does not say the result was already ingested"; }
ok "race: B says $(head -n 1 "$F/race_b.out")"
units=$(grep -c '<BulkConfirmUnit>' "$F/race_a.xml")
assert_eq "race: rows/result files/units = one result's" "$(expected_rows)/1/$units" "$(counts)"
clear_results all

# ---- 3. Disk full ----
if [ -z "${ONSHI_DB_FAULTS_NS:-}" ]; then
  echo "skip - disk full: needs root and a private mount namespace (unshare -m)"
  echo "1 passed, 0 failed"
  exit 0
fi
mkdir -p "$T/tiny"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$T/tiny"
chown postgres: "$T/tiny"
q "CREATE TABLESPACE tiny LOCATION '$T/tiny'" >/dev/null
q "ALTER TABLE tbl_onshi_kaku SET TABLESPACE tiny" >/dev/null
"$SIM" make-result --seed 7 --size 1500 --today "$TODAY" --inst "$INST" --reception R_FULL --out "$F/full.xml"
set +e; onshi ingest --hospnum 1 "$F/full.xml" > "$F/full.out" 2> "$F/full.err"; rc=$?; set -e
assert_eq "disk full: ingest exit status (5 = database)" "5" "$rc"
grep -q "No space left on device" "$F/full.err" || { cat "$F/full.err" >&2; fail "disk full: the message does not say so"; }
ok "disk full: $(tail -n 1 "$F/full.err")"
assert_eq "disk full: rows/result files/units" "0/0/0" "$(counts)"
q "ALTER TABLE tbl_onshi_kaku SET TABLESPACE pg_default" >/dev/null
onshi ingest --hospnum 1 "$F/full.xml" > "$F/full2.out"
assert_eq "with room again: every unit recorded" "$(grep -c '<BulkConfirmUnit>' "$F/full.xml")" "$(q "SELECT count(*) FROM onshi.result_unit")"
assert_eq "with room again: the rows the ingest reports" \
  "$(q "SELECT rows_written FROM onshi.result_file")" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
q "DROP TABLESPACE tiny" >/dev/null
echo "1 passed, 0 failed"
