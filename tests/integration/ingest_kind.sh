#!/usr/bin/env bash
# `ingest` in a consent-style facility takes the kind from the file name's OQS prefix when --kind is
# absent (OQSmuhvq 訪問診療, OQSmuonq オンライン診療); a name that says another kind than --kind, or a
# name with no prefix and no --kind, is refused before any file is read: nothing written.
. "$top_srcdir/tests/lib/env.sh"
env_setup 30
sed -i 's/^p031_mark=star/p031_mark=consent/' "$CONF"
mk() { "$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" --reception "$1" --out "$T/$2"; }
mk R_HV OQSmuhvq02res_R_HV.xml
mk R_ON oqsmuonq02res_R_ON.xml      # any case
mk R_BAD OQSmuhvq02res_R_BAD.xml
mk R_PLAIN result.xml
written() {  # rows of one reception number, and how many of them carry 診療区分 $2
  q "SELECT count(*) || ' ' || count(*) FILTER (WHERE k.onshinryo_kbn = '$2' AND k.shokai_kbn = '')
     FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids)
     JOIN onshi.result_file f ON f.id = u.file_id WHERE f.reception_number = '$1'"
}
counts() { q "SELECT (SELECT count(*) FROM tbl_onshi_kaku) || ' ' || (SELECT count(*) FROM onshi.result_file) || ' ' || (SELECT count(*) FROM onshi.review)"; }

onshi ingest --hospnum 1 "$T/OQSmuhvq02res_R_HV.xml" > "$T/hv.out" || fail "ingest of an OQSmuhvq file without --kind"
read -r n hv <<< "$(written R_HV 2)"
[ "$n" -gt 0 ] || fail "no rows from the OQSmuhvq file"
assert_eq "OQSmuhvq without --kind: every row 訪問診療 (onshinryo_kbn 2)" "$n" "$hv"
onshi ingest --hospnum 1 "$T/oqsmuonq02res_R_ON.xml" > "$T/on.out" || fail "ingest of an OQSmuonq file without --kind"
read -r n on <<< "$(written R_ON 3)"
[ "$n" -gt 0 ] || fail "no rows from the OQSmuonq file"
assert_eq "OQSmuonq without --kind: every row オンライン診療 (onshinryo_kbn 3)" "$n" "$on"

before=$(counts)
refused() {  # refused WHAT MESSAGE ARGS...
  local what=$1 msg=$2; shift 2
  set +e; onshi ingest --hospnum 1 "$@" > /dev/null 2> "$T/refused.err"; local rc=$?; set -e
  assert_eq "$what: exit 64" 64 "$rc"
  grep -qF -- "$msg" "$T/refused.err" || { cat "$T/refused.err" >&2; fail "$what: no message '$msg'"; }
  assert_eq "$what: nothing written" "$before" "$(counts)"
}
refused "--kind online on an OQSmuhvq file" "OQSmuhvq02res_R_BAD.xml: the file name says OQSmuhvq (homecare), not --kind online (OQSmuonq)" \
  --kind online "$T/OQSmuhvq02res_R_BAD.xml"
refused "a mismatch in the second file" "the file name says OQSmuonq (online), not --kind homecare" \
  --kind homecare "$T/OQSmuhvq02res_R_BAD.xml" "$T/oqsmuonq02res_R_ON.xml"
refused "no prefix, no --kind" "result.xml does not start with OQSmuhvq or OQSmuonq: say --kind homecare|online" "$T/result.xml"
# The same file with a kind that shares its prefix (訪問看護) or with its own kind is taken.
onshi ingest --hospnum 1 --kind homecare "$T/OQSmuhvq02res_R_BAD.xml" "$T/result.xml" > /dev/null || fail "--kind homecare on OQSmuhvq and a plain name"
read -r n hv <<< "$(written R_PLAIN 2)"
[ "$n" -gt 0 ] && assert_eq "plain name with --kind homecare: 訪問診療 rows" "$n" "$hv"
# --help shows the option.
help=$("$ONSHI" --help)
grep -qF -- "ingest --hospnum N [--kind KIND]" <<< "$help" || fail "--help does not show ingest --kind"
ok "--help shows ingest --kind"
echo "1 passed, 0 failed"
