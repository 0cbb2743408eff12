#!/usr/bin/env bash
# End to end on real parts: PostgreSQL (EUC_JP), the OQS simulator through real folders, the CLI.
# A 訪問診療 fetch of 200 simulated patients lands as ★ rows that P031's selection lists.
. "$top_srcdir/tests/lib/env.sh"
env_setup 200
sim_start --processing 2 --delay-ms 50

rc=0; onshi fetch --hospnum 1 --kind homecare > "$T/fetch.out" 2> "$T/fetch.err" || rc=$?
[ "$rc" = 0 ] || { cat "$T/fetch.err"; fail "fetch exited $rc"; }
cat "$T/fetch.out"

rows=$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE $P031_WHERE")
assert_eq "rows P031 lists" "$(expected_rows homecare)" "$rows"
assert_eq "every row is a ★ row (shokai_kbn 1)" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE $P031_WHERE AND shokai_kbn = '1'")"
assert_eq "held units (外字/●) are not written" "$(expect_where 'c_treatment == "homecare"' c_held)" "$(q "SELECT count(*) FROM onshi.result_unit WHERE status = 'held'")"

# Linked: every patient the population says ORCA knows (and is no test patient) has ptid set.
linked=$(q "SELECT count(*) FROM onshi.result_unit WHERE status = 'written' AND ptid <> 0")
assert_eq "units linked to a patient" "$(expected_linked homecare)" "$linked"
# Patients whose 照会番号 is their 患者番号: linked to exactly that patient, shokai_num kept.
mismatch=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["ref"] != "" && $h["held"] == 0 && $h["treatment"] == "homecare" { print $h["ref"] "\t" $h["expected_ptid"] }' "$T/expect.tsv" |
  while IFS=$'\t' read -r ref ptid; do
    got=$(q "SELECT string_agg(DISTINCT ptid::text, ',') FROM tbl_onshi_kaku WHERE shokai_num = '$ref'")
    want=$ptid; [ "$ptid" = 0 ] && want=   # not in ORCA: unlinked, and shokai_num is blank
    [ "$got" = "$want" ] || echo "$ref:$got/$ptid"
  done)
assert_eq "照会番号 = 患者番号 patients linked to that patient" "" "$mismatch"
assert_eq "set_ptid is '1' exactly when ptid > 0" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE (ptid > 0) <> (set_ptid = '1')")"

# 医療扶助: persons with a 保険 and an A1 result have two rows sharing fujyo_uuid; the A1 row points at the 保険 row.
pairs_expected=$(expect_where 'c_held == 0 && c_results == 2 && c_treatment == "homecare"' 1)
pairs=$(q "SELECT count(*) FROM tbl_onshi_kaku a JOIN tbl_onshi_kaku h ON h.tbl_uuid = a.kouhi_uuid
           WHERE a.card_class = 'A1' AND h.card_class <> 'A1' AND a.fujyo_uuid = h.fujyo_uuid AND a.fujyo_uuid <> ''
             AND a.shori_time = h.shori_time")
assert_eq "医療扶助 persons with paired 保険/A1 rows" "$pairs_expected" "$pairs"
[ "$pairs" -gt 0 ] || fail "the population has no 医療扶助 pair"

# Never NULL, and the flags P031 filters on are '' (not ' ').
nulls=$(q "SELECT count(*) FROM tbl_onshi_kaku t WHERE num_nulls(VARIADIC ARRAY(SELECT j.value FROM jsonb_each_text(to_jsonb(t)) j)) > 0")
assert_eq "rows with a NULL column" "0" "$nulls"
assert_eq "blank flags are ''" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE mod_flg = '' AND lock_kbn = '' AND scr_dltflg = '' AND orca_shokai_kbn = '' AND process_class = ''")"
# 全角: names and addresses hold no ASCII (ORCA converts them).
assert_eq "ASCII left in res_adrs/res_kigo/res_num of 保険 rows" "0" \
  "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE card_class <> 'A1' AND (res_adrs ~ '[ -~]' OR res_kigo ~ '[ -~]' OR res_num ~ '[ -~]')")"

# The P031 list shows them, in ORCA's order, with the ★ mark.
onshi p031 --hospnum 1 --format tsv > "$T/p031.tsv"
assert_eq "P031 list lines (title + rows)" "$((rows + 1))" "$(wc -l < "$T/p031.tsv")"
assert_eq "P031 ★ marks" "$rows" "$(cut -f2 "$T/p031.tsv" | grep -c '^★$')"

# Ingesting the same 02res again writes nothing.
res=$(ls "$T"/archive/OQSmuhvq02res_* | tail -n 1)
onshi ingest --hospnum 1 "$res" > "$T/ingest.out"
grep -q '取込済み' "$T/ingest.out" || fail "second ingest did not report the file as already ingested"
assert_eq "rows after ingesting the same result again" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
assert_eq "jobs done" "1" "$(q "SELECT count(*) FROM onshi.job WHERE state = 'done'")"
echo "1 passed, 0 failed"
