#!/usr/bin/env bash
# The same result as UTF-8 XML, as Shift_JIS XML and as a zip (Shift_JIS inside) lands as the
# same rows: the encoding comes from the declaration, the container from the content.
. "$top_srcdir/tests/lib/env.sh"
env_setup 80
mk() { "$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" --reception "$1" "${@:2}"; }
mk R_UTF8 --encoding utf-8 --out "$T/utf8.xml"
mk R_SJIS --encoding shift_jis --out "$T/sjis.xml"
mk R_ZIP --encoding shift_jis --zip --out "$T/sjis.zip"
head -c 60 "$T/sjis.xml" | grep -qi 'shift_jis' || fail "the simulator did not write a Shift_JIS declaration"
onshi ingest --hospnum 1 "$T/utf8.xml" "$T/sjis.xml" "$T/sjis.zip" > "$T/out"
cat "$T/out"
content() {  # the written rows of one result, without the columns that differ per ingest
  local rows
  rows=$(q "SELECT k.ptid, k.card_class, k.res_name, k.res_kananame, k.res_adrs, k.res_kigo, k.res_num, k.hknjanum_name,
                   k.ftnrate, k.kenshin_douiflg
            FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids)
            JOIN onshi.result_file f ON f.id = u.file_id WHERE f.reception_number = '$1' ORDER BY 1, 2, 3, 5") || fail "query for $1"
  [ -n "$rows" ] || fail "no rows for $1"
  echo "$rows" | md5sum | cut -d' ' -f1
}
n=$(q "SELECT count(*) FROM tbl_onshi_kaku k JOIN onshi.result_unit u ON k.tbl_uuid = ANY (u.tbl_uuids) JOIN onshi.result_file f ON f.id = u.file_id WHERE f.reception_number = 'R_UTF8'")
assert_eq "rows from the UTF-8 file" "$(expected_rows)" "$n"
assert_eq "Shift_JIS rows = UTF-8 rows" "$(content R_UTF8)" "$(content R_SJIS)"
assert_eq "zip rows = UTF-8 rows" "$(content R_UTF8)" "$(content R_ZIP)"
# Every row's tbl_uuid (and the 公費/扶助 links made from them) is a random UUID in the form
# g_uuid_string_random writes (version 4, variant 10xx, lower-case), and no two rows share one.
assert_eq "tbl_uuid: version 4 UUIDs, all distinct" "$(q "SELECT count(*) FROM tbl_onshi_kaku")" \
  "$(q "SELECT count(DISTINCT tbl_uuid) FROM tbl_onshi_kaku WHERE tbl_uuid ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
            AND coalesce(fujyo_uuid, '') ~ '^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})?$'")"
assert_eq "held units per file (外字 survive Shift_JIS as character references and are held)" \
  "$(expect_sum held)" "$(q "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.reception_number = 'R_ZIP' AND status = 'held'")"
# Characters JIS and Windows map differently (U+2212 −, U+301C 〜, U+2016 ‖, U+2014 —, ¢) arrive in
# an address: written in the form ORCA's EUC_JP database takes, not refused and not held.
sed -e '0,/<Address>[^<]*</s//<Address>東京都港区1\xe2\x88\x922\xe3\x80\x9c3 \xe2\x80\x96\xe2\x80\x94\xc2\xa2</' \
    -e 's/<ReceptionNumber>R_UTF8</<ReceptionNumber>R_VARIANT</' "$T/utf8.xml" > "$T/variant.xml"
grep -q 'R_VARIANT' "$T/variant.xml" || fail "could not build the variant file"
onshi ingest --hospnum 1 "$T/variant.xml" > /dev/null
assert_eq "variant characters stored in PostgreSQL's forms" "1" \
  "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE res_adrs = '東京都港区１－２～３∥―￠'")"

# A zip that holds two XML files is refused as a whole.
(cd "$T" && cp utf8.xml a.xml && cp utf8.xml b.xml && zip -q two.zip a.xml b.xml)
set +e; onshi ingest --hospnum 1 "$T/two.zip" 2> "$T/two.err"; rc=$?; set -e
assert_eq "zip with two XML files exits 65" "65" "$rc"
grep -q "more than one .xml" "$T/two.err" || fail "no clear message for a zip with two XML files"
echo "1 passed, 0 failed"
