#!/usr/bin/env bash
# A malformed 02res, a .err rejection and SegmentOfResult 9 each end the job with a clear message
# and write no rows.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60

check_fault() {  # FAULT EXPECTED_MESSAGE_PATTERN
  clear_results
  sim_start --fault "$1" --delay-ms 20
  set +e
  onshi fetch --hospnum 1 --kind homecare > "$T/$1.out" 2> "$T/$1.err"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "$1: fetch succeeded"
  grep -q -- "$2" "$T/$1.err" || { cat "$T/$1.err"; fail "$1: message does not say '$2'"; }
  ok "$1: exit $rc, $(tail -n 1 "$T/$1.err")"
  assert_eq "$1: rows" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
  assert_eq "$1: job state" "failed" "$(q "SELECT state FROM onshi.job")"
  assert_eq "$1: result files recorded" "0" "$(q "SELECT count(*) FROM onshi.result_file")"
}
check_fault malformed "malformed\|not well-formed\|Premature\|expected"
check_fault err01 "rejected the request (.err)"
check_fault err02 "rejected the result inquiry (.err)"
check_fault seg9 "異常終了"
sim_stop

# A file that is not XML at all, given to ingest by hand: clear error, no rows.
printf 'this is not xml' > "$T/garbage.xml"
set +e; onshi ingest --hospnum 1 "$T/garbage.xml" 2> "$T/garbage.err"; rc=$?; set -e
assert_eq "ingest of garbage exits 65 (malformed)" "65" "$rc"
assert_eq "rows after garbage" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"

# A bad code in one unit rejects the whole file: nothing of it is written.
"$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" --reception BADCODE_1 --out "$T/good.xml"
sed '0,/<QualificationValidity>1</s//<QualificationValidity>7</' "$T/good.xml" > "$T/badcode.xml"
set +e; onshi ingest --hospnum 1 "$T/badcode.xml" 2> "$T/badcode.err"; rc=$?; set -e
assert_eq "ingest with an unknown QualificationValidity exits 65" "65" "$rc"
grep -q "OQSCD006" "$T/badcode.err" || fail "message does not name the code table"
assert_eq "rows after a bad code" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"

# A dead database: clear error, exit 5, and nothing half-written once it is back.
pg_stop
set +e; onshi ingest --hospnum 1 "$T/good.xml" 2> "$T/dead.err"; rc=$?; set -e
assert_eq "ingest against a stopped database exits 5" "5" "$rc"
grep -q "cannot connect to the database" "$T/dead.err" || fail "no clear database message"
echo "1 passed, 0 failed"
