#!/usr/bin/env bash
# 02res files from a second writer (tests/lib/second_writer.py: Python's xml.etree and codecs, not the
# simulator), with headers out of order, a body-level echo of the search info, unit-level consent
# elements and results with and without ResultList. The same 5 persons as declared UTF-8 (JIS forms
# 〜 − ‖ — ¢ £ ¬), declared UTF-8 in Windows forms (～ － ∥ ― ￠ ￡ ￢), declared Shift_JIS, undeclared
# Shift_JIS with CharacterCodeIdentifier 1, undeclared Shift_JIS with no identifier, and undeclared
# UTF-8 with a BOM each land, in a database emptied before each, as the same rows and the same held
# units; a file that is neither UTF-8 nor Shift_JIS is refused with nothing written.
. "$top_srcdir/tests/lib/env.sh"
env_setup 40
WRITER="python3 $top_srcdir/tests/lib/second_writer.py"
psql -XAtq -F $'\t' -c "SELECT h.hknjanum, coalesce(h.kigo, ''), h.num, coalesce(h.edaban, ''), p.birthday, p.sex
                        FROM tbl_pthkninf h JOIN tbl_ptinf p USING (hospnum, ptid) WHERE h.hospnum = 1
                        ORDER BY h.ptid, h.hknid LIMIT 5" > "$T/persons.tsv"
assert_eq "persons for the writer" 5 "$(wc -l < "$T/persons.tsv")"
w() { local out=$1; shift; $WRITER --out "$T/$out" --reception R_TWIN "$@" < "$T/persons.tsv" || fail "writer: $out"; }
w utf8.xml --encoding utf-8
w utf8_windows.xml --encoding utf-8 --forms windows
w sjis.xml --encoding shift_jis
w sjis_undeclared.xml --encoding shift_jis --declare no
w sjis_no_identifier.xml --encoding shift_jis --declare no --cci none
w utf8_bom.xml --encoding utf-8 --declare no --bom
w neither.xml --encoding shift_jis --declare no --garble

# The files are what they claim to be, by tools that are not ours.
has() { if LC_ALL=C grep -qaP "$2" "$T/$1"; then echo 1; else echo 0; fi; }
assert_eq "undeclared Shift_JIS starts with <XmlMsg>" "<XmlMsg>" "$(head -c 8 "$T/sjis_undeclared.xml")"
assert_eq "undeclared UTF-8 starts with a BOM then <XmlMsg>" "efbbbf3c586d" "$(head -c 6 "$T/utf8_bom.xml" | od -An -tx1 | tr -d ' \n')"
assert_eq "Shift_JIS bytes of ～ (81 60) and 髙 (EE E0)" "1 1" "$(has sjis_undeclared.xml '\x81\x60') $(has sjis_undeclared.xml '\xEE\xE0')"
assert_eq "UTF-8 file holds 〜 U+301C, the Windows one ～ U+FF5E" "1 1" "$(has utf8.xml '\xE3\x80\x9C') $(has utf8_windows.xml '\xEF\xBD\x9E')"
iconv -f CP932 -t UTF-8 "$T/sjis_undeclared.xml" | xmllint --noout - || fail "xmllint: the undeclared Shift_JIS file, converted by iconv"
xmllint --noout "$T/utf8_bom.xml" || fail "xmllint: the UTF-8 file with a BOM"
if xmllint --noout "$T/sjis_undeclared.xml" 2>/dev/null; then fail "xmllint took undeclared Shift_JIS as UTF-8"; fi

# ORCA's rows of one ingest without the columns that differ per ingest (uuids, times), and the
# module's units with the held ones as review lists them (name, kana, reason).
snapshot() {
  q "SELECT (to_jsonb(k) - 'tbl_uuid' - 'aite_uuid' - 'oya_uuid' - 'kouhi_uuid' - 'fujyo_uuid' - 'fujyo_uuid1'
                         - 'creymd' - 'crehms' - 'upymd' - 'uphms' - 'kaku_kakuninymd' - 'kaku_kakuninhms')::text
     FROM tbl_onshi_kaku k ORDER BY ptid, card_class, res_name"
  q "SELECT seq, status, reason, ptid, flags FROM onshi.result_unit ORDER BY seq"
  onshi review | awk 'NR > 1 { $1 = ""; $2 = ""; $3 = ""; print }'
}
for f in utf8 utf8_windows sjis sjis_undeclared sjis_no_identifier utf8_bom; do
  clear_results all
  onshi ingest --hospnum 1 "$T/$f.xml" > "$T/$f.out" 2> "$T/$f.err" || { cat "$T/$f.err" >&2; fail "ingest of $f.xml"; }
  snapshot > "$T/$f.rows"
done
cat "$T/sjis_undeclared.out"
assert_eq "undeclared Shift_JIS: units, rows, held" "対象 5人  書込 3行  患者特定 3人  未特定 0人  保留 2人" "$(sed -n 2p "$T/sjis_undeclared.out")"
assert_eq "rows written from the undeclared Shift_JIS file" 3 "$(grep -c '"res_name"' "$T/sjis_undeclared.rows")"
for f in utf8 utf8_windows sjis_no_identifier utf8_bom; do
  diff "$T/sjis.rows" "$T/$f.rows" > "$T/$f.diff" || { cat "$T/$f.diff" >&2; fail "$f.xml landed differently from sjis.xml"; }
done
diff "$T/sjis.rows" "$T/sjis_undeclared.rows" || fail "the undeclared Shift_JIS file landed differently from its declared twin"
ok "undeclared Shift_JIS (identifier 1 or bytes), UTF-8 with a BOM, both forms of UTF-8: the same rows and held units as declared Shift_JIS"
# How the characters JIS and Windows map differently land: in the forms PostgreSQL's EUC_JP takes
# (～ － ∥ ― ￠ ￡ ￢, EUC A1C1 A1DD A1C2 A1BD A1F1 A1F2 A2CC); 髙 﨑 (Windows extension rows) are held
# as 外字; ① (NEC row 13) stays in the address; half-width ｻﾄｳ ﾀﾛｳ becomes full width.
assert_eq "〜 − ‖ — ¢ £ ¬ in Windows forms" "1" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE res_name = '山田　～子'
  AND res_adrs = '東京都港区芝公園１－２－３～∥―￠￡￢' AND convert_to(res_adrs, 'EUC_JP') = convert_to('東京都港区芝公園１－２－３', 'EUC_JP') || '\\xa1c1a1c2a1bda1f1a1f2a2cc'::bytea")"
assert_eq "① and half-width kana" "1" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE res_adrs = '愛知県名古屋市中区３－４①' AND res_kananame = 'サトウ　タロウ'")"
assert_eq "髙 and 﨑 held for review" "髙橋　花子 山﨑　一郎" "$(onshi review | awk 'NR > 1 && NF > 3 { print $6 }' | paste -sd ' ')"

# Neither UTF-8 nor Shift_JIS: refused, nothing of it written.
clear_results all
set +e; onshi ingest --hospnum 1 "$T/neither.xml" > /dev/null 2> "$T/neither.err"; rc=$?; set -e
cat "$T/neither.err"
assert_eq "a file in neither encoding exits 65" 65 "$rc"
grep -q "no XML declaration, and the text is neither UTF-8 (byte 0x" "$T/neither.err" || fail "no clear message for a file in neither encoding"
assert_eq "nothing written for it" "0 0 0 0" "$(q "SELECT (SELECT count(*) FROM tbl_onshi_kaku) || ' ' || (SELECT count(*) FROM onshi.result_file)
  || ' ' || (SELECT count(*) FROM onshi.result_unit) || ' ' || (SELECT count(*) FROM onshi.review)")"
echo "1 passed, 0 failed"
