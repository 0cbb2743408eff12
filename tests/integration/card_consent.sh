#!/usr/bin/env bash
# orca-onshi card consent: the マイナ保険証 consent registration at the clinic PC against a real pcscd +
# vpcd + orca-onshi-card-sim and the OQS simulator. The card's certificate names population person K
# (make-test-card.sh --person-index), the simulator answers our OQScrdq request with K's result and the
# consents asked for, and a ★ row lands in tbl_onshi_kaku (P031). PIN: SIGN of the challenge, verified
# by the simulator; 目視確認: no PIN, no Signature; a wrong PIN stops before any request is sent.
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
card_test_begin 77 sim_stop

export G_MESSAGES_DEBUG=all
PIN=5917
output() { grep -v -- '-DEBUG: ' "$1" || true; }
env_setup 40
sim_start
card_person
# The card's 基本4情報 with a half-width space in the name: the matching helper still finds the patient.
card_make --auth-pin "$PIN" --aux-pin 4826 --person-index "$K" --name "${NAME/　/ }" --birth "$BIRTH" --sex "$SEX"
pcsc_start
card_insert --trace "$T/trace"

# ---- PIN: consent 手術 1, 診療・薬剤 1, 特定健診 0, 特定疾病 1, 電子処方箋 ------------------------------
rc=0
echo "$PIN" | onshi card consent --hospnum 1 --mode homecare --identity pin --ope 1 --shinryo 1 --kenshin 0 --sikkan 1 \
  --prescription electronic > "$T/pin.out" 2> "$T/pin.err" || rc=$?
output "$T/pin.out"
[ "$rc" = 0 ] || { cat "$T/pin.err" "$T/sim.log"; fail "card consent --identity pin exit $rc"; }
grep -q "$NAME" "$T/pin.out" || fail "the person's name in the result"
grep -q "★ row written in tbl_onshi_kaku for 患者番号 $PTNUM" "$T/pin.out" || fail "★ row line"
ok "card consent --identity pin: $NAME, ★ row for 患者番号 $PTNUM"
row=$(q "SELECT ope_douiflg, shinryo_douiflg, kenshin_douiflg, sikkan_douiflg, sho_shoho_keitai FROM tbl_onshi_kaku
         WHERE hospnum = 1 AND ptid = $PTID ORDER BY shori_time DESC LIMIT 1")
assert_eq "consent flags ope|shinryo|kenshin|sikkan|shoho_keitai" "1|1|0|1|1" "$row"
onshi p031 --hospnum 1 --format tsv > "$T/p031.tsv"
grep "$PTNUM" "$T/p031.tsv" | grep -q '★' || { cat "$T/p031.tsv"; fail "p031 lists no ★ row for $PTNUM"; }
ok "p031 --format tsv lists the ★ row of $PTNUM"
grep -q 'OQScrdq01req_.* segment 1 person '"$K" "$T/sim.log" || { cat "$T/sim.log"; fail "simulator answer for person $K"; }
grep -q 'card > 00 20 00 80 04 \*\* \*\* \*\* \*\*' "$T/pin.err" || fail "no masked VERIFY in our debug trace"

# ---- 目視確認: no PIN prompt, no Signature in the request -------------------------------------------
# The row this consent writes is the one not there before it (shori_time has whole seconds: two
# consents within one second tie).
before=$(q "SELECT coalesce(string_agg(quote_literal(tbl_uuid), ','), 'NULL') FROM tbl_onshi_kaku WHERE hospnum = 1 AND ptid = $PTID")
consent_captured visual --hospnum 1 --mode outpatient --identity visual --ope 0 --shinryo 1 --kenshin 1 --sikkan 0 \
  --prescription paper
! grep -q 'PIN' "$T/visual.err" || fail "a PIN prompt for 目視確認"
grep -q '<IdentityConfirmation>2</IdentityConfirmation>' "$T/visual.req.xml" || fail "IdentityConfirmation 2"
grep -q '<MedicalTreatmentFlag>1</MedicalTreatmentFlag>' "$T/visual.req.xml" || fail "MedicalTreatmentFlag 1"
grep -q '<Certificate>' "$T/visual.req.xml" || fail "no Certificate in the request"
! grep -q '<Signature>' "$T/visual.req.xml" || fail "a Signature without PIN"
grep -q "$NAME" "$T/visual.out" || fail "visual: the name"
assert_eq "visual: rows written" 1 "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE hospnum = 1 AND ptid = $PTID AND tbl_uuid NOT IN ($before)")"
row=$(q "SELECT ope_douiflg, shinryo_douiflg, kenshin_douiflg, sikkan_douiflg, sho_shoho_keitai FROM tbl_onshi_kaku
         WHERE hospnum = 1 AND ptid = $PTID AND tbl_uuid NOT IN ($before)")
assert_eq "visual: consent flags" "0|1|1|0|2" "$row"
ok "card consent --identity visual: no PIN prompt, no Signature"

# ---- a Signature that does not verify: SegmentOfResult 9, nothing written ---------------------------
rows_before=$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE hospnum = 1")
sed -e 's|<IdentityConfirmation>2</IdentityConfirmation>|<Signature>AAAA</Signature><IdentityConfirmation>1</IdentityConfirmation>|' \
    -e 's|<ArbitraryFileIdentifier>[^<]*<|<ArbitraryFileIdentifier>BADSIG<|' "$T/visual.req.xml" > "$T/req/OQScrdq01req_BADSIG.xml"
for i in $(seq 1 100); do [ -f "$T/res/OQScrdq01res_BADSIG.xml" ] && break; sleep 0.1; done
grep -q '<SegmentOfResult>9</SegmentOfResult>' "$T/res/OQScrdq01res_BADSIG.xml" || fail "a bad signature: segment 9"
grep -q '電子署名の検証に失敗しました' "$T/res/OQScrdq01res_BADSIG.xml" || fail "a bad signature: the message"
rm -f "$T/res/OQScrdq01res_BADSIG.xml"
assert_eq "rows after a bad signature" "$rows_before" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE hospnum = 1")"
ok "the simulator refuses a Signature that does not verify (SegmentOfResult 9)"

# ---- card match: 基本4情報 against tbl_ptinf, listed only ------------------------------------------
echo 4826 | onshi card match --hospnum 1 > "$T/match.out" 2> "$T/match.err" || { cat "$T/match.err"; fail "card match"; }
output "$T/match.out"
grep -q "患者番号 $PTNUM" "$T/match.out" || fail "card match lists $PTNUM"
grep -q '自動では紐付けません' "$T/match.out" || fail "card match says it does not link"

# ---- a wrong PIN: tries left, no request ------------------------------------------------------------
jobs_before=$(q "SELECT count(*) FROM onshi.job WHERE kind = 'card'")
reqs_before=$(grep -c 'OQScrdq01req_' "$T/sim.log" || true)
rc=0; echo 0000 | onshi card consent --hospnum 1 --mode homecare --identity pin --ope 1 > "$T/w.out" 2> "$T/w.err" || rc=$?
assert_eq "wrong PIN exit" 7 "$rc"
grep -q 'wrong PIN: [0-9] tr' "$T/w.err" || { cat "$T/w.err"; fail "tries left"; }
assert_eq "no card job after a wrong PIN" "$jobs_before" "$(q "SELECT count(*) FROM onshi.job WHERE kind = 'card'")"
sleep 0.5
assert_eq "no request after a wrong PIN" "$reqs_before" "$(grep -c 'OQScrdq01req_' "$T/sim.log" || true)"
[ -z "$(ls "$T"/req 2>/dev/null)" ] || fail "a request file after a wrong PIN"
card_remove

# ---- no PIN anywhere ---------------------------------------------------------------------------------
for pin in "$PIN" 4826; do
  assert_no_pin "$pin" "SELECT params::text FROM onshi.job" "$T"/trace "$T"/card.log "$T"/sim.log "$T"/*.err "$T"/*.out "$T"/*.xml
done
ok "no PIN in the trace, the logs, the outputs or the jobs"
echo "1 passed, 0 failed"
