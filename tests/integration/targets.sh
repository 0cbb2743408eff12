#!/usr/bin/env bash
# Every bulk target through the daemon (real PostgreSQL + simulator + orca-onshid): rows written
# and job states, per job.
. "$top_srcdir/tests/lib/env.sh"
env_setup 150
sim_start --processing 1 --delay-ms 20
daemon_start

# run_kind KIND [OPTIONS...]: queue one job, wait for the daemon to finish it; prints its id.
run_kind() {
  local out id
  out=$(onshi fetch --hospnum 1 --kind "$@" --queue 2>/dev/null) || fail "fetch --kind $1 --queue"
  id=$(echo "$out" | awk '/queued/ { print $2 }')
  wait_sql "SELECT state IN ('done','failed','expired','cancelled') FROM onshi.job WHERE id = $id" 60
  echo "$id"
}
job() { q "SELECT $2 FROM onshi.job WHERE id = $1"; }
held_of() { expect_where "$1" c_held; }

id=$(run_kind homecare)
assert_eq "homecare: state" done "$(job "$id" state)"
assert_eq "homecare: rows" "$(expected_rows homecare)" "$(job "$id" rows_written)"
assert_eq "homecare: held" "$(held_of 'c_treatment == "homecare"')" "$(job "$id" held)"

id=$(run_kind nursing)
assert_eq "nursing (訪問看護 = the 訪問診療等 request): state" done "$(job "$id" state)"
assert_eq "nursing: rows" "$(expected_rows homecare)" "$(job "$id" rows_written)"
grep -q "OQSmuhvq01req_H01J$(printf %08d "$id")" "$T/sim.log" || fail "nursing did not use the OQSmuhvq request"

id=$(run_kind online)
assert_eq "online by consent range: state" done "$(job "$id" state)"
assert_eq "online by consent range: rows" "$(expected_rows online)" "$(job "$id" rows_written)"
first=$(date +%Y%m01)
id=$(run_kind online --exam-from "$first")
assert_eq "online by 受診年月日 (this month): state" done "$(job "$id" state)"
assert_eq "online by 受診年月日: rows" "$(expected_rows online)" "$(job "$id" rows_written)"
assert_eq "online rows carry ★ and shokai_kbn 1" "0" \
  "$(q "SELECT count(*) FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids) JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND k.shokai_kbn <> '1'")"

id=$(run_kind welfare)
assert_eq "welfare: state" done "$(job "$id" state)"
welfare_rows=$(expect_where 'c_welfare == 1 && c_held == 0' 1)
assert_eq "welfare: one A1 row per welfare person" "$welfare_rows" "$(job "$id" rows_written)"
assert_eq "welfare: every row is A1" "$welfare_rows" \
  "$(q "SELECT count(*) FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids) JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND k.card_class = 'A1' AND k.fujyo_uuid <> ''")"

# 資格有効性確認: one unit per valid ORCA insurance of a real patient.
asked=$(q "SELECT count(*) FROM tbl_pthkninf h JOIN tbl_ptinf i USING (hospnum, ptid) WHERE h.tekstymd <= '$TODAY' AND h.tekedymd >= '$TODAY'
           AND coalesce(h.sakjokbn, '') <> '1' AND h.hknnum LIKE '0%' AND coalesce(i.tstptnumkbn, '') <> '1'")
id=$(run_kind validity)
assert_eq "validity: state" done "$(job "$id" state)"
assert_eq "validity: units = valid ORCA insurances" "$asked" "$(job "$id" units)"
assert_eq "validity: every unit written or held" "$asked" "$(( $(job "$id" rows_written) + $(job "$id" held) ))"
# Patients that exist only in ORCA are 該当資格なし at OQS.
orca_only=$(q "SELECT count(*) FROM tbl_pthkninf h WHERE h.ptid >= 900000 AND h.hknnum LIKE '0%'")
assert_eq "validity: ORCA-only patients reported 該当資格なし" "$orca_only" "$(q "SELECT count(*) FROM onshi.validity_change WHERE job_id = $id AND change = 'not_found'")"

# --seen-since: only patients with a visit (tbl_jyurrk) on or after the date.
q "INSERT INTO tbl_jyurrk (hospnum, ptid, sryymd) SELECT 1, ptid, '$TODAY' FROM tbl_ptinf WHERE coalesce(tstptnumkbn, '') <> '1' ORDER BY ptid LIMIT 5;
   INSERT INTO tbl_jyurrk (hospnum, ptid, sryymd) SELECT 1, ptid, '20200101' FROM tbl_ptinf ORDER BY ptid OFFSET 5 LIMIT 5" > /dev/null
seen=$(q "SELECT count(*) FROM tbl_pthkninf h WHERE h.hknnum LIKE '0%' AND EXISTS (SELECT 1 FROM tbl_jyurrk v WHERE v.ptid = h.ptid AND v.sryymd >= '$TODAY')")
id=$(run_kind validity --seen-since "$TODAY")
assert_eq "validity --seen-since: units = insurances of patients seen since" "$seen" "$(job "$id" units)"

# 照会番号一括登録, then a 訪問診療 fetch links every known patient by 照会番号.
out=$(onshi register-refs --hospnum 1 --queue) ; id=$(echo "$out" | awk '/queued/ { print $2 }')
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
registered=$(q "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND u.status = 'registered'")
rejected=$(q "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND u.status = 'rejected'")
assert_eq "register-refs: registered + rejected = asked" "$asked" "$((registered + rejected))"
assert_eq "register-refs: ORCA-only patients rejected" "$orca_only" "$rejected"
assert_eq "register-refs writes no tbl_onshi_kaku rows" "0" "$(job "$id" "coalesce(rows_written, 0)")"
id=$(run_kind homecare --consent-from "$(date -d '-20 days' +%Y%m%d)")
by_ref=$(q "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $id AND u.status = 'written' AND u.match_how = '照会番号'")
assert_eq "after register-refs every linked homecare unit is matched by 照会番号" "$(job "$id" matched)" "$by_ref"

assert_eq "no job left unfinished" "0" "$(q "SELECT count(*) FROM onshi.job WHERE state NOT IN ('done')")"
onshi jobs --hospnum 1 > "$T/jobs.out"; head -n 12 "$T/jobs.out"
echo "1 passed, 0 failed"
