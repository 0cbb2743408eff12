#!/usr/bin/env bash
# p031_mark = consent writes ORCA's 同意一括 recipe (訪 rows, tbl_onshi_houmon kept up to date,
# tbl_onshi_aidlst for 医療券); the review list holds 外字/● units and flags what must not be guessed;
# accept/reject act once, with the operator in the audit; re-ingesting a file re-queues nothing.
. "$top_srcdir/tests/lib/env.sh"
env_setup 120
sed -i 's/^p031_mark=star/p031_mark=consent/' "$CONF"
sim_start --processing 0 --delay-ms 20

onshi fetch --hospnum 1 --kind homecare > /dev/null 2>&1 || fail "consent fetch"
job=$(q "SELECT max(id) FROM onshi.job")
rows=$(q "SELECT rows_written FROM onshi.job WHERE id = $job")
assert_eq "consent: rows" "$(expected_rows homecare)" "$rows"
assert_eq "consent: every row shokai_kbn '' / 訪 (2/2)" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE shokai_kbn = '' AND onshinryo_kbn = '2' AND process_class = '2' AND set_ptid = '1'")"
assert_eq "consent rows stay out of 【全体】" "0" "$(onshi p031 --hospnum 1 --format tsv | tail -n +2 | wc -l)"
houmon=$(q "SELECT count(*) FROM tbl_onshi_houmon")
pairs=$(expect_where 'c_held == 0 && c_results == 2 && c_treatment == "homecare"' 1)
assert_eq "houmon: one record per person (not for the A1 row of a pair)" "$((rows - pairs))" "$houmon"
assert_eq "houmon: linked patients have one record per 診療区分" "0" "$(q "SELECT count(*) FROM (SELECT ptid FROM tbl_onshi_houmon WHERE ptid > 0 GROUP BY ptid, onshinryo_kbn HAVING count(*) > 1) x")"
aid=$(q "SELECT count(*) FROM tbl_onshi_aidlst")
[ "$aid" -gt 0 ] || fail "no 医療券 rows in tbl_onshi_aidlst"
assert_eq "aidlst rows point at their A1 rows" "$aid" "$(q "SELECT count(*) FROM tbl_onshi_aidlst a JOIN tbl_onshi_kaku k ON k.fujyo_uuid = a.fujyo_uuid AND k.card_class = 'A1'")"
# A second fetch updates the linked patients' houmon records instead of adding new ones.
linked_before=$(q "SELECT count(*) FROM tbl_onshi_houmon WHERE ptid > 0")
onshi fetch --hospnum 1 --kind homecare --consent-from 20200101 > /dev/null 2>&1 || fail "second consent fetch"
assert_eq "houmon: linked records updated, not added" "$linked_before" "$(q "SELECT count(*) FROM tbl_onshi_houmon WHERE ptid > 0")"
job2=$(q "SELECT max(id) FROM onshi.job")
# Each linked record is still the first job's (its tbl_uuid) and now carries the second job's confirmation.
assert_eq "houmon: linked records updated to the newest confirmation" "$linked_before" "$(q "
  WITH j2 AS (SELECT k.* FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids)
              JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $job2)
  SELECT count(*) FROM tbl_onshi_houmon h WHERE h.ptid > 0 AND h.tbl_uuid NOT IN (SELECT tbl_uuid FROM j2)
     AND EXISTS (SELECT 1 FROM j2 WHERE j2.ptid = h.ptid AND j2.kaku_kakuninymd = h.kaku_kakuninymd
                 AND j2.kaku_kakuninhms = h.kaku_kakuninhms AND j2.tbl_uuid <> h.tbl_uuid)")"

# Review: held (外字/●) and flagged (no patient, ...) units of the first job.
held=$(expect_where 'c_treatment == "homecare"' c_held)
onshi review --hospnum 1 > "$T/review.out"
assert_eq "review: held units listed" "$((2 * held))" "$(grep -c ' 保留 ' "$T/review.out")"
grep -q "日レセに該当する患者が見つかりません" "$T/review.out" || fail "review: no flagged unit without a patient"
hid=$(q "SELECT min(id) FROM onshi.review WHERE kind = 'held' AND status = 'open'")
before=$(q "SELECT count(*) FROM tbl_onshi_kaku")
onshi review accept "$hid" --operator 受付スタッフ > "$T/accept.out"
grep -q "written" "$T/accept.out" || fail "accept did not write: $(cat "$T/accept.out")"
after=$(q "SELECT count(*) FROM tbl_onshi_kaku")
[ "$after" -gt "$before" ] || fail "accept wrote no row"
ok "held unit accepted: $((after - before)) row(s) written"
assert_eq "accepted row names show 〓 for 外字/●" "1" "$(q "SELECT count(*) > 0 FROM tbl_onshi_kaku WHERE res_name LIKE '%〓%'" | sed 's/t/1/')"
set +e; onshi review accept "$hid" > "$T/again.out" 2>&1; rc=$?; set -e
assert_eq "accepting twice is refused" "64" "$rc"
assert_eq "no row written twice" "$after" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
assert_eq "audit names the operator" "受付スタッフ" "$(q "SELECT operator FROM onshi.review_audit WHERE review_id = $hid")"
# Flagged: link the rows to a patient.
fid=$(q "SELECT min(id) FROM onshi.review WHERE kind = 'flagged' AND status = 'open' AND reason LIKE '日レセに該当%'")
pt=$(q "SELECT trim(ptnum) FROM tbl_ptnum n JOIN tbl_ptinf i USING (hospnum, ptid) WHERE coalesce(i.tstptnumkbn, '') <> '1' ORDER BY ptid LIMIT 1")
onshi review accept "$fid" --patient "$pt" --operator 事務長 > /dev/null
assert_eq "flagged unit linked" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku k JOIN onshi.review v ON k.tbl_uuid = ANY (v.tbl_uuids) WHERE v.id = $fid AND (k.ptid = 0 OR k.set_ptid <> '1')")"
rid=$(q "SELECT min(id) FROM onshi.review WHERE status = 'open'")
onshi review reject "$rid" --operator 事務長 > /dev/null
assert_eq "rejected" "rejected" "$(q "SELECT status FROM onshi.review WHERE id = $rid")"
# Re-ingesting the first result writes nothing and queues no review item again.
items=$(q "SELECT count(*) FROM onshi.review")
res=$(ls "$T"/archive/OQSmuhvq02res_"$(printf 'H01J%08d' "$job")"P*.xml | tail -n 1)
onshi ingest --hospnum 1 --kind homecare "$res" > /dev/null
assert_eq "re-ingest: review items" "$items" "$(q "SELECT count(*) FROM onshi.review")"
assert_eq "re-ingest: rows" "$after" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
echo "1 passed, 0 failed"
