#!/usr/bin/env bash
# The look-up stage sends each result's 記号/番号 (and 照会番号) to PostgreSQL as text, which the
# server converts to EUC_JP: a key with a character EUC_JP has no form for (U+2212 MINUS SIGN as the
# JIS mapping writes it, 𠮷) must not stop the whole file. The key goes in the form ORCA's columns
# hold (text::to_storable_form, as the row written: U+2212 is ORCA's A1DD, U+FF0D), so it still finds
# its patient; a key ORCA's columns cannot hold at all finds nobody (and its unit is held: 外字).
. "$top_srcdir/tests/lib/env.sh"
env_setup 20
F=$T/OQSmuhvq02res_keys.xml
"$SIM" make-result --seed "$SEED" --size 20 --today "$TODAY" --out "$F"
# Unit 1's results: 記号 + U+2212 + "1"; unit 2's: 番号 + 𠮷. (The first two BulkConfirmUnits.)
python3 - "$F" > "$T/keys.tsv" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding='utf-8').read()
units = list(re.finditer(r'<BulkConfirmUnit>.*?</BulkConfirmUnit>', s, re.S))
assert len(units) >= 2, "fewer than two units"
def edit(u, tag, suffix):
    body = u.group(0)
    m = re.search(r'<ResultOfQualificationConfirmation>.*?<%s>([^<]*)</%s>' % (tag, tag), body, re.S)
    assert m, tag
    return m.group(1), re.sub(r'<%s>([^<]*)</%s>' % (tag, tag), lambda x: '<%s>%s%s</%s>' % (tag, x.group(1), suffix, tag), body)
num1 = re.search(r'<ResultOfQualificationConfirmation>.*?<InsuredIdentificationNumber>([^<]*)</InsuredIdentificationNumber>', units[0].group(0), re.S).group(1)
kigo, u1 = edit(units[0], 'InsuredCardSymbol', '\u22121')
num, u2 = edit(units[1], 'InsuredIdentificationNumber', '\U00020BB7')
s = s[:units[0].start()] + u1 + s[units[0].end():units[1].start()] + u2 + s[units[1].end():]
open(p, 'w', encoding='utf-8').write(s)
print(kigo + '\t' + num1)
PY
kigo=$(cut -f1 "$T/keys.tsv")
[ -n "$kigo" ] || fail "unit 1 has no 記号"
# ORCA's own row for unit 1's insurance, as ORCA keeps such a 記号: full width, '-' as A1DD (U+FF0D).
zkigo=$(python3 -c "import sys; print(''.join(chr(ord(c) + 0xFEE0) for c in sys.argv[1]) + '\uff0d\uff11')" "$kigo")
zorig=$(python3 -c "import sys; print(''.join(chr(ord(c) + 0xFEE0) for c in sys.argv[1]))" "$kigo")
num1=$(cut -f2 "$T/keys.tsv")
znum1=$(python3 -c "import sys; print(''.join(chr(ord(c) + 0xFEE0) for c in sys.argv[1]))" "$num1")
n=$(q "UPDATE tbl_pthkninf SET kigo = '$zkigo' WHERE hospnum = 1 AND kigo = '$zorig' AND num = '$znum1' RETURNING ptid" | wc -l)
[ "$n" -ge 1 ] || fail "no ORCA insurance row with 記号 $zorig"
ok "ORCA's insurance row(s) for unit 1 now hold 記号 $zkigo ($n)"

rc=0; onshi ingest --hospnum 1 "$F" > "$T/ingest.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/ingest.out"; fail "ingest exited $rc"; }
ok "ingest: exit 0"
file_id=$(q "SELECT max(id) FROM onshi.result_file")
assert_eq "units recorded" "20" "$(q "SELECT count(*) FROM onshi.result_unit WHERE file_id = $file_id")"
# Unit 1: written, its 記号 as ORCA holds it, found by its insurance (the patient of ORCA's row).
assert_eq "unit 1: status" "written" "$(q "SELECT status FROM onshi.result_unit WHERE file_id = $file_id AND seq = 1")"
assert_eq "unit 1: rows with 記号 $zkigo" "1" \
  "$(q "SELECT count(DISTINCT k.res_kigo) FROM onshi.result_unit u JOIN tbl_onshi_kaku k ON k.tbl_uuid = ANY (u.tbl_uuids)
        WHERE u.file_id = $file_id AND u.seq = 1 AND k.res_kigo = '$zkigo'")"
want=$(q "SELECT min(ptid) FROM tbl_pthkninf WHERE hospnum = 1 AND kigo = '$zkigo' AND num = '$znum1'")
assert_eq "unit 1: its patient (ORCA's insurance row)" "$want" "$(q "SELECT ptid FROM onshi.result_unit WHERE file_id = $file_id AND seq = 1")"
assert_eq "unit 1: no conflict or ambiguity flagged" "" "$(q "SELECT flags FROM onshi.result_unit WHERE file_id = $file_id AND seq = 1" | grep -oE 'conflict|ambiguous' || true)"
# Unit 2: its 番号 holds 𠮷 (no EUC_JP form): held for review, nothing of it written.
assert_eq "unit 2: status" "held" "$(q "SELECT status FROM onshi.result_unit WHERE file_id = $file_id AND seq = 2")"
assert_eq "rows written" "$(q "SELECT sum(cardinality(tbl_uuids)) FROM onshi.result_unit WHERE file_id = $file_id")" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"

# The consent style: the same file writes tbl_onshi_houmon too (its 記号/番号 as the row's).
sed -i 's/^p031_mark=star/p031_mark=consent/' "$CONF"
clear_results all
rc=0; onshi ingest --hospnum 1 "$F" > "$T/ingest2.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/ingest2.out"; fail "consent: ingest exited $rc"; }
file_id=$(q "SELECT max(id) FROM onshi.result_file")
assert_eq "consent: unit 1: status" "written" "$(q "SELECT status FROM onshi.result_unit WHERE file_id = $file_id AND seq = 1")"
[ "$(q "SELECT count(*) FROM tbl_onshi_houmon")" -gt 0 ] || fail "consent: no tbl_onshi_houmon row"
assert_eq "consent: houmon rows of unit 1's patient with 記号 $zkigo" "1" "$(q "SELECT count(*) > 0 FROM tbl_onshi_houmon WHERE ptid = $want AND kigo = '$zkigo'" | sed 's/t/1/;s/f/0/')"
# Unit 2 (番号 with 𠮷) is held; accepting it writes its rows with 〓, the consent row too.
assert_eq "consent: unit 2: status" "held" "$(q "SELECT status FROM onshi.result_unit WHERE file_id = $file_id AND seq = 2")"
hid=$(q "SELECT id FROM onshi.review WHERE file_id = $file_id AND seq = 2 AND kind = 'held'")
[ -n "$hid" ] || fail "consent: unit 2 not in review"
before=$(q "SELECT count(*) FROM tbl_onshi_houmon")
rc=0; onshi review accept "$hid" --operator 受付 > "$T/accept.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/accept.out"; fail "consent: review accept exited $rc"; }
[ "$(q "SELECT count(*) FROM tbl_onshi_houmon")" -gt "$before" ] || fail "consent: accept wrote no tbl_onshi_houmon row"
assert_eq "consent: accepted houmon rows whose 番号 does not end in 〓" "0" \
  "$(q "SELECT count(*) FROM tbl_onshi_houmon WHERE tbl_uuid IN (SELECT tbl_uuid FROM tbl_onshi_kaku WHERE res_num LIKE '%〓') AND num NOT LIKE '%〓'")"
assert_eq "consent: accepted houmon rows with 〓" "1" "$(q "SELECT count(*) > 0 FROM tbl_onshi_houmon WHERE num LIKE '%〓'" | sed 's/t/1/;s/f/0/')"

# The identifiers a result echoes (ArbitraryFileIdentifier, a unit's ArbitraryIdentifier) go into the
# module's own tables of the same EUC_JP database: U+2212 and 𠮷 there must not fail the file either;
# COPY's own escapes (tab, backslash, newline) come back as they were.
G=$T/OQSmuhvq02res_ids.xml
"$SIM" make-result --seed "$SEED" --size 20 --today "$TODAY" --out "$G"
python3 - "$G" <<'PY'
import sys
p = sys.argv[1]
s = open(p, encoding='utf-8').read()
s = s.replace('<QualificationConfirmSearchInfo>', '<QualificationConfirmSearchInfo><ArbitraryIdentifier>a&#9;b\\c&#10;\u2212\U00020BB7\uff71\uff9e</ArbitraryIdentifier>', 1)
s = s.replace('<ArbitraryFileIdentifier>', '<ArbitraryFileIdentifier>\u2212', 1)
open(p, 'w', encoding='utf-8').write(s)
PY
grep -q "<ArbitraryIdentifier>a&#9;" "$G" || fail "no ArbitraryIdentifier put in"
clear_results all
rc=0; onshi ingest --hospnum 1 "$G" > "$T/ingest3.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/ingest3.out"; fail "identifiers: ingest exited $rc"; }
file_id=$(q "SELECT max(id) FROM onshi.result_file")
assert_eq "identifiers: units recorded" "20" "$(q "SELECT count(*) FROM onshi.result_unit WHERE file_id = $file_id")"
assert_eq "identifiers: unit 1's ArbitraryIdentifier as kept" "$(printf 'a\tb\\c\n\uff0d\u3013\uff71\uff9e')" "$(q "SELECT sikibetu FROM onshi.result_unit WHERE file_id = $file_id AND seq = 1")"
assert_eq "identifiers: the file's identifier as kept" "$(printf '\uff0d')" "$(q "SELECT left(file_identifier, 1) FROM onshi.result_file WHERE id = $file_id")"
echo "1 passed, 0 failed"
