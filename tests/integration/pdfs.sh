#!/usr/bin/env bash
# 薬剤情報 / 特定健診 PDFs: fetched only with consent in the stored result, stored readable by the
# service only (0640 in a 0750 folder), listed by `pdfs`; OQS's refusal ends the job with its message.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60
sim_start --processing 0 --delay-ms 20
onshi fetch --hospnum 1 --kind homecare > /dev/null 2>&1

consented() {  # COLUMN: a 患者番号 whose newest 保険 row has that consent 1
  q "SELECT trim(n.ptnum) FROM tbl_onshi_kaku k JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid
     WHERE k.card_class <> 'A1' AND k.$1 = '1' ORDER BY 1 LIMIT 1"
}
drug=$(consented yakuzai_douiflg)
[ -n "$drug" ] || fail "no patient with 薬剤 consent in the population"
onshi pdf --hospnum 1 --patient "$drug" --type drug > "$T/drug.out" 2>&1 || { cat "$T/drug.out"; fail "pdf drug"; }
file=$(q "SELECT path FROM onshi.pdf_file f JOIN onshi.job j ON j.id = f.job_id WHERE j.kind = 'pdf_drug'")
[ -f "$file" ] || fail "no stored PDF"
assert_eq "stored file is a PDF" "%PDF" "$(head -c 4 "$file")"
assert_eq "PDF mode" "640" "$(stat -c %a "$file")"
assert_eq "PDF folder mode" "750" "$(stat -c %a "$(dirname "$file")")"
grep -q "^YZKsiquc01req_\|YZKsiquc01req_" "$T/sim.log" || fail "no YZKsiquc request reached the simulator"
checkup=$(consented kenshin_douiflg)
onshi pdf --hospnum 1 --patient "$checkup" --type checkup > /dev/null 2>&1 || fail "pdf checkup"
onshi pdfs --hospnum 1 > "$T/pdfs.out"
assert_eq "pdfs lists both" "2" "$(grep -c '\.pdf$' "$T/pdfs.out")"
grep -q "薬剤" "$T/pdfs.out" && grep -q "特定健診" "$T/pdfs.out" || fail "pdfs does not name the types"

# No consent in the stored result: refused before anything is asked.
none=$(q "SELECT trim(n.ptnum) FROM tbl_ptnum n WHERE NOT EXISTS (SELECT 1 FROM tbl_onshi_kaku k WHERE k.ptid = n.ptid AND k.yakuzai_douiflg = '1') ORDER BY 1 LIMIT 1")
jobs_before=$(q "SELECT count(*) FROM onshi.job")
set +e; onshi pdf --hospnum 1 --patient "$none" --type drug > "$T/none.out" 2>&1; rc=$?; set -e
assert_eq "no consent: exit 64" "64" "$rc"
grep -q "nothing is asked of OQS without consent" "$T/none.out" || fail "no clear refusal: $(cat "$T/none.out")"
assert_eq "no consent: no job" "$jobs_before" "$(q "SELECT count(*) FROM onshi.job")"

# Our stored result says consent, OQS does not (withdrawn meanwhile): OQS's message ends the job.
withdrawn=$(q "SELECT trim(n.ptnum) FROM tbl_onshi_kaku k JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid
               WHERE k.card_class <> 'A1' AND k.kenshin_douiflg = '0' ORDER BY 1 LIMIT 1")
q "UPDATE tbl_onshi_kaku SET kenshin_douiflg = '1' WHERE ptid = (SELECT ptid FROM tbl_ptnum WHERE ptnum = '$withdrawn')" > /dev/null
set +e; onshi pdf --hospnum 1 --patient "$withdrawn" --type checkup > "$T/withdrawn.out" 2>&1; rc=$?; set -e
assert_eq "OQS refusal: exit 3" "3" "$rc"
assert_eq "OQS refusal: job failed" "failed" "$(q "SELECT state FROM onshi.job WHERE kind = 'pdf_checkup' ORDER BY id DESC LIMIT 1")"
q "SELECT error FROM onshi.job WHERE kind = 'pdf_checkup' ORDER BY id DESC LIMIT 1" | grep -q "OQS answered 2" || fail "no OQS message"
assert_eq "OQS refusal: no file stored" "2" "$(q "SELECT count(*) FROM onshi.pdf_file")"
echo "1 passed, 0 failed"
