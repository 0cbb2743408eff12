#!/usr/bin/env bash
# Each fault the simulator injects ends the daemon's job in its documented state with its message;
# the error faults write no rows. Partial (still growing) and duplicate result files are handled.
. "$top_srcdir/tests/lib/env.sh"
# The production settle time: the slow-write fault pauses 333 ms between its 10 pieces, and a loaded
# CI machine must not make a pause look like the end of the file; result_timeout_s 8 leaves the 3 s
# write room on a loaded machine.
RESULT_TIMEOUT_S=8 RESULT_SETTLE_MS=1000 env_setup 50
daemon_start

# with_fault "FAULTS" [SIM OPTIONS...]: restart the simulator, queue a homecare job, wait; sets ID.
# (Not in $(...): the simulator must be a child of this shell, not of a capture.)
with_fault() {
  local faults=$1; shift
  sim_start --fault "$faults" --processing 1 --delay-ms 20 --state "$T/sim-state" "$@"
  ID=$(onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d "-$((RANDOM % 300 + 40)) days" +%Y%m%d)" --queue 2>/dev/null | awk '/queued/ { print $2 }')
  wait_sql "SELECT state IN ('done','failed','expired','cancelled') FROM onshi.job WHERE id = $ID" 60
}
job() { q "SELECT $2 FROM onshi.job WHERE id = $1"; }
rows_of() { q "SELECT coalesce(sum(rows_written), 0) FROM onshi.result_file WHERE job_id = $1"; }
expect_fault() {  # ID STATE MESSAGE-PATTERN
  assert_eq "$4: state" "$2" "$(job "$1" state)"
  job "$1" error | grep -q -- "$3" || fail "$4: error '$(job "$1" error)' does not say '$3'"
  ok "$4: $(job "$1" error)"
}

with_fault err01; id=$ID; expect_fault "$id" failed "rejected the request (.err)" ".err on 01req"; assert_eq ".err: rows" 0 "$(rows_of "$id")"
with_fault err02; id=$ID; expect_fault "$id" failed "rejected the result inquiry (.err)" ".err on 02req"; assert_eq ".err 02: rows" 0 "$(rows_of "$id")"
with_fault seg9; id=$ID; expect_fault "$id" failed "異常終了" "SegmentOfResult 9"; assert_eq "seg9: rows" 0 "$(rows_of "$id")"
with_fault malformed; id=$ID; expect_fault "$id" failed "malformed result, nothing written" "malformed 02res"; assert_eq "malformed: rows" 0 "$(rows_of "$id")"

# 処理中 forever: expired after result_timeout_s with the 受付番号 kept; `resume` asks again with it.
with_fault processing-forever; id=$ID
expect_fault "$id" expired "受付番号 .* is kept" "処理中 forever"
rn=$(job "$id" reception_number)
[ -n "$rn" ] || fail "expired job lost its 受付番号"
assert_eq "expired: rows" 0 "$(rows_of "$id")"
daemon_stop_all
sim_start --processing 0 --delay-ms 20 --state "$T/sim-state"   # OQS has finished meanwhile
onshi resume "$id" > "$T/resume.out" 2>&1 || { cat "$T/resume.out"; fail "resume failed"; }
assert_eq "resume: state" done "$(job "$id" state)"
assert_eq "resume: same 受付番号" "$rn" "$(job "$id" reception_number)"
assert_eq "resume: rows" "$(expected_rows homecare)" "$(rows_of "$id")"
daemon_start

# A result written slowly under its final name (10 pieces over 3 s) is read only once complete: each
# pause (333 ms) is longer than the 100 ms a complete-looking file waits (core/settle.hpp), so a half
# file taken for whole would be read, refused as malformed and fail the job.
with_fault slow-write; id=$ID
assert_eq "slow write: state" done "$(job "$id" state)"
assert_eq "slow write: rows" "$(expected_rows homecare)" "$(rows_of "$id")"

# The same result delivered twice: ingested once.
with_fault duplicate; id=$ID
assert_eq "duplicate: state" done "$(job "$id" state)"
sleep 2
assert_eq "duplicate: result files" "1" "$(q "SELECT count(*) FROM onshi.result_file WHERE job_id = $id")"
assert_eq "duplicate: rows" "$(expected_rows homecare)" "$(rows_of "$id")"

# Per-unit errors and 該当資格なし: the job is done, the rows say so, the note tells staff.
with_fault unit-errors; id=$ID
assert_eq "unit errors: state" done "$(job "$id" state)"
job "$id" note | grep -q "処理エラー" || fail "unit errors: no note"
errs=$(q "SELECT count(*) FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids) JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND k.result = '2'")
[ "$errs" -gt 0 ] || fail "unit errors: no row with result 2"
ok "unit errors: $errs rows with ProcessingResultStatus 2"
with_fault not-found; id=$ID
job "$id" note | grep -q "該当資格なし" || fail "not found: no note"
ok "該当資格なし: $(job "$id" note)"
with_fault validity-mix; id=$ID
assert_eq "validity mix: states 2-6 written" "5" "$(q "SELECT count(DISTINCT k.sikaku_yuko) FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids) JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND k.sikaku_yuko IN ('2','3','4','5','6')")"

# Shift_JIS and zip answers.
with_fault none --encoding shift_jis --zip; id=$ID
assert_eq "Shift_JIS zip: state" done "$(job "$id" state)"
assert_eq "Shift_JIS zip: rows" "$(expected_rows homecare)" "$(rows_of "$id")"

# 医療扶助 before the welfare office uploaded the 医療券: written, and staff are told to re-run.
sim_start --processing 1 --delay-ms 20 --welfare-pending-until 32
id=$(onshi fetch --hospnum 1 --kind welfare --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
job "$id" note | grep -q "医療券が未登録" || fail "welfare pending: no note ($(job "$id" note))"
ok "医療扶助 未委託: $(job "$id" note)"

# cancel: a job that waits on OQS stops, and nothing of it is written.
sim_start --fault processing-forever --processing 1 --delay-ms 20
id=$(onshi fetch --hospnum 1 --kind homecare --consent-from 20200101 --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT state = 'polling' OR state = 'received' FROM onshi.job WHERE id = $id" 30
onshi cancel "$id" >/dev/null
sleep 1
assert_eq "cancel: state" cancelled "$(job "$id" state)"
assert_eq "cancel: rows" 0 "$(rows_of "$id")"
echo "1 passed, 0 failed"
