#!/usr/bin/env bash
# Hostile result files: each is refused with a clear message (exit 65, or 74 for a symlink in the
# result folder) and writes no row — neither in ORCA's tbl_onshi_kaku nor in the module's
# result_file / result_unit — quickly and in little memory; an over-long 保険者名称 is cut to ORCA's
# 128 bytes (orca-tables.md §1.2) and the cut is recorded. The files are made here, at test time.
. "$top_srcdir/tests/lib/env.sh"
export LC_ALL=C  # sed and grep on bytes: the files hold invalid UTF-8 and Shift_JIS on purpose
RESULT_SETTLE_MS=4000 env_setup 20
mk() { "$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" "$@"; }
mk --reception R_GOOD --out "$T/good.xml"
mk --reception R_SJIS --encoding shift_jis --out "$T/sjis.xml"
grep -q '<MessageBody>' "$T/good.xml" || fail "the simulator's result has no MessageBody"
H=$T/h; mkdir -p "$H"

no_rows() {  # WHAT
  assert_eq "$1: rows in tbl_onshi_kaku" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
  assert_eq "$1: result files recorded" "0" "$(q "SELECT count(*) FROM onshi.result_file")"
  assert_eq "$1: units recorded" "0" "$(q "SELECT count(*) FROM onshi.result_unit")"
}

# refuse NAME FILE PATTERN [MAX_SECONDS MAX_RSS_MIB]: `ingest` exits 65 within the time (a hang is a
# failure) and memory, says PATTERN, writes nothing.
refuse() {
  local name=$1 file=$2 pattern=$3 max_s=${4:-20} max_mib=${5:-64} rc secs kib
  set +e
  /usr/bin/time -f '%e %M' -o "$H/$name.time" timeout 60 "$ONSHI" --config "$CONF" ingest --hospnum 1 "$file" \
    > "$H/$name.out" 2> "$H/$name.err"
  rc=$?
  set -e
  [ "$rc" = 124 ] && fail "$name: ingest hung (killed after 60 s)"
  assert_eq "$name: exit status (65 = malformed input)" "65" "$rc"
  grep -q -- "$pattern" "$H/$name.err" || { cat "$H/$name.err" >&2; fail "$name: the message does not say '$pattern'"; }
  ok "$name: $(grep -v 'encoding error\|I/O error' "$H/$name.err" | head -n 1)"
  read -r secs kib < <(tail -n 1 "$H/$name.time")
  awk -v s="$secs" -v m="$max_s" 'BEGIN { exit !(s <= m) }' || fail "$name: took $secs s (limit $max_s s)"
  [ "$kib" -le $((max_mib * 1024)) ] || fail "$name: max RSS $((kib / 1024)) MiB (limit $max_mib MiB)"
  ok "$name: ${secs} s, max RSS $((kib / 1024)) MiB"
  no_rows "$name"
}

# The declaration, then DOCTYPE, then the rest of the good file.
with_doctype() {  # DOCTYPE_TEXT OUT
  { head -n 1 "$T/good.xml"; printf '%s\n' "$1"; tail -n +2 "$T/good.xml"; } > "$2"
}

# A FIFO stands for any file or URL the parser might fetch: opening it would block, so a parser
# that loads external entities or DTDs hangs and the test fails at `timeout`.
mkfifo "$H/trap"

# 1. XXE: an external entity naming a local file, used in an element.
with_doctype "<!DOCTYPE XmlMsg [<!ENTITY xxe SYSTEM \"file://$H/trap\"><!ENTITY pw SYSTEM \"file:///etc/passwd\">]>" "$H/xxe0.xml"
sed '0,/<InsurerName>[^<]*</s//<InsurerName>\&xxe;\&pw;</' "$H/xxe0.xml" > "$H/xxe.xml"
grep -q '&xxe;' "$H/xxe.xml" || fail "could not build the XXE file"
refuse xxe "$H/xxe.xml" "DTD is not allowed" 10

# 2. Entity expansion (billion laughs): 10^9 "lol"s if expanded.
{
  head -n 1 "$T/good.xml"
  printf '<!DOCTYPE XmlMsg [\n<!ENTITY lol "lol">\n'
  prev=lol
  for i in 1 2 3 4 5 6 7 8 9; do printf '<!ENTITY lol%d "%s">\n' "$i" "$(printf "&$prev;%.0s" 1 2 3 4 5 6 7 8 9 10)"; prev=lol$i; done
  printf ']>\n'
  tail -n +2 "$T/good.xml" | sed '0,/<InsurerName>[^<]*</s//<InsurerName>\&lol9;</'
} > "$H/laughs.xml"
grep -q '&lol9;' "$H/laughs.xml" || fail "could not build the billion laughs file"
refuse billion_laughs "$H/laughs.xml" "DTD is not allowed" 10

# 3. A DTD: external (the FIFO: never opened) and internal.
with_doctype "<!DOCTYPE XmlMsg SYSTEM \"file://$H/trap\">" "$H/dtd_ext.xml"
refuse dtd_external "$H/dtd_ext.xml" "DTD is not allowed" 10
with_doctype '<!DOCTYPE XmlMsg [<!ELEMENT XmlMsg ANY>]>' "$H/dtd_int.xml"
refuse dtd_internal "$H/dtd_int.xml" "DTD is not allowed" 10

# 4. A 1 GiB result (sparse: a real start, then zeros): refused by its size before it is read.
sed -n '1,/<MessageBody>/p' "$T/good.xml" > "$H/huge.xml"
truncate -s 1G "$H/huge.xml"
refuse huge_1GiB "$H/huge.xml" "larger than 512 MiB" 5

#    Under the limit a big file is read as a stream: 200 MiB of padding between the units is
#    read in flat memory (and, being legal, written) — then emptied again.
{
  sed -n '1,/<MessageBody>/p' "$T/good.xml"
  yes '<Padding>x</Padding><!-- filler -->' | head -n 6000000 || true  # yes ends on SIGPIPE
  sed -n '/<MessageBody>/,$p' "$T/good.xml" | tail -n +2 | sed 's/R_GOOD/R_BIG/'
} > "$H/big.xml"
/usr/bin/time -f '%e %M' -o "$H/big.time" "$ONSHI" --config "$CONF" ingest --hospnum 1 "$H/big.xml" > "$H/big.out"
read -r secs kib < <(tail -n 1 "$H/big.time")
[ "$kib" -le $((64 * 1024)) ] || fail "a 200 MiB result took $((kib / 1024)) MiB of memory"
ok "a $(( $(stat -c %s "$H/big.xml") >> 20 )) MiB result streamed in ${secs} s, max RSS $((kib / 1024)) MiB"
assert_eq "200 MiB result: its rows" "$(expected_rows)" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
rm -f "$H/big.xml"
clear_results all

# 5. Deeply nested elements (100,000 levels inside a unit).
{
  sed -n '1,/<MessageBody>/p' "$T/good.xml"
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "<BulkConfirmUnit>"; for (i = 0; i < 100000; i++) printf "</BulkConfirmUnit>"; print "" }'
  sed -n '/<\/MessageBody>/,$p' "$T/good.xml"
} > "$H/deep.xml"
refuse deep_nesting "$H/deep.xml" "nested deeper than 24" 10

# 6. Invalid UTF-8 in a name (declared UTF-8), and invalid Shift_JIS (a lead byte without its
#    trail byte, then a byte CP932 does not define).
sed '0,/<Name>[^<]*</s//<Name>\xff\xfe\xc3\x28/' "$T/good.xml" > "$H/bad_utf8.xml"
grep -q $'\xff' "$H/bad_utf8.xml" || fail "could not build the bad UTF-8 file"
refuse invalid_utf8 "$H/bad_utf8.xml" "Input is not proper UTF-8" 10
head -c 80 "$T/sjis.xml" | grep -qi shift_jis || fail "the Shift_JIS result is not declared Shift_JIS"
sed '0,/<Name>[^<]*</s//<Name>\x81\x20\xa0\xfd/' "$T/sjis.xml" > "$H/bad_sjis.xml"
refuse invalid_shift_jis "$H/bad_sjis.xml" "not valid in its declared encoding" 10

# 7. A zip bomb: 1 KiB of zip per MiB of XML, 1 GiB inside — refused by its declared size.
truncate -s 1G "$H/bomb.xml"
(cd "$H" && zip -q bomb.zip bomb.xml) && rm -f "$H/bomb.xml"
[ "$(stat -c %s "$H/bomb.zip")" -lt $((4 * 1024 * 1024)) ] || fail "the zip bomb is not small"
refuse zip_bomb "$H/bomb.zip" "larger than 512 MiB" 10
#    ... and one whose headers claim 64 bytes: read as a stream, it stops at the damage.
cp "$H/bomb.zip" "$H/bomb_lie.zip"
# Patch the uncompressed size in the local header (offset 22) and the central directory entry
# (offset 24 from its signature) to 64.
cdir=$(grep -obUaP 'PK\x01\x02' "$H/bomb_lie.zip" | head -n 1 | cut -d: -f1)
printf '\x40\x00\x00\x00' | dd of="$H/bomb_lie.zip" bs=1 seek=22 conv=notrunc status=none
printf '\x40\x00\x00\x00' | dd of="$H/bomb_lie.zip" bs=1 seek=$((cdir + 24)) conv=notrunc status=none
refuse zip_bomb_lying "$H/bomb_lie.zip" "zip\|not well-formed\|Document is empty\|larger than" 20

# 8. Zips whose entry names leave their folder.
mkdir -p "$H/zt/in"
cp "$T/good.xml" "$H/zt/evil.xml"
(cd "$H/zt/in" && zip -q ../../traversal.zip ../evil.xml)
# (the listing goes to a file first: grep -q closing the pipe early would SIGPIPE unzip, and pipefail fail it)
unzip -l "$H/traversal.zip" > "$H/traversal.lst"
grep -q '\.\./evil.xml' "$H/traversal.lst" || fail "zip did not keep the ../ name"
refuse zip_traversal "$H/traversal.zip" "leaves its folder" 10
(cd "$H/zt" && zip -q ../abs.zip evil.xml && printf '@ evil.xml\n@=/tmp/evil.xml\n' | zipnote -w ../abs.zip)
unzip -l "$H/abs.zip" > "$H/abs.lst"
grep -q ' /tmp/evil.xml' "$H/abs.lst" || fail "could not name an entry /tmp/evil.xml"
refuse zip_absolute "$H/abs.zip" "leaves its folder" 10
[ ! -e /tmp/evil.xml ] || fail "a file was written outside"

# 9. A date that does not exist, and codes no table holds.
sed '0,/<QualificationDate>[^<]*</s//<QualificationDate>20241332</' "$T/good.xml" > "$H/date.xml"
refuse date_20241332 "$H/date.xml" "'20241332' is not a date"
sed '0,/<Sex1>[^<]*</s//<Sex1>5</' "$T/good.xml" > "$H/sex.xml"
refuse unknown_sex_code "$H/sex.xml" "'5' is not a code of OQSCD007"
sed '0,/<InsuredCardClassification>[^<]*</s//<InsuredCardClassification>Z9</' "$T/good.xml" > "$H/card.xml"
refuse unknown_card_class "$H/card.xml" "'Z9' is not a code of OQSCD010"
sed '0,/<SegmentOfResult>[^<]*</s//<SegmentOfResult>3</' "$T/good.xml" > "$H/seg.xml"
refuse unknown_segment "$H/seg.xml" "'3' is not a code of OQSCD003"

# 10. A symlink in res_dir, where the 02res should be: refused (exit 74), never followed; the job
#     stays resumable and completes once a real file is there. The simulator's `symlink` fault writes
#     the final 02res outside res_dir and puts a symlink to it under the 02res name (no race with fetch).
sim_start --processing 0 --delay-ms 20 --fault symlink
set +e
timeout 120 "$ONSHI" --config "$CONF" fetch --hospnum 1 --kind homecare > "$H/symlink.out" 2> "$H/symlink.err"
rc=$?
set -e
sim_stop
assert_eq "symlink: fetch exit status (74 = file system)" "74" "$rc"
swapped=$(ls "$T/res" 2>/dev/null | grep '02res_.*\.xml$' | head -n 1 || true)
[ -n "$swapped" ] || { cat "$H/symlink.err" >&2; fail "symlink: no 02res in res_dir"; }
[ -L "$T/res/$swapped" ] || fail "symlink: the simulator's $swapped in res_dir is not a symlink"
target=$(readlink "$T/res/$swapped")
[ -f "$target" ] || fail "symlink: $swapped points at no file ($target)"
grep -q "not a regular file (a symlink" "$H/symlink.err" || { cat "$H/symlink.err" >&2; fail "symlink: no clear message"; }
ok "symlink: $(tail -n 1 "$H/symlink.err")"
no_rows symlink
job=$(q "SELECT id FROM onshi.job ORDER BY id DESC LIMIT 1")
assert_eq "symlink: the job waits (not done, not failed)" "polling" "$(q "SELECT state FROM onshi.job WHERE id = $job")"
rm "$T/res/$swapped"
mv "$target" "$T/res/$swapped"
onshi resume "$job" > "$H/resume.out"
assert_eq "symlink: job done once a real file is there" "done" "$(q "SELECT state FROM onshi.job WHERE id = $job")"
assert_eq "symlink: rows after the resume" "$(expected_rows homecare)" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
clear_results all

# 11. A 保険者名称 of 200 characters: written, cut to ORCA's 128 bytes (64 全角), the cut recorded.
name200=$(printf '保%.0s' $(seq 1 200))
sed "0,/<InsurerName>[^<]*</s//<InsurerName>$name200</" "$T/good.xml" > "$H/long_name.xml"
onshi ingest --hospnum 1 "$H/long_name.xml" > "$H/long_name.out"
assert_eq "long 保険者名称: rows written" "$(expected_rows)" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
assert_eq "long 保険者名称: one row carries it" "1" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE hknjanum_name LIKE '保保保%'")"
assert_eq "long 保険者名称: cut to 64 characters" "64" "$(q "SELECT length(hknjanum_name) FROM tbl_onshi_kaku WHERE hknjanum_name LIKE '保保保%'")"
assert_eq "long 保険者名称: 128 bytes in ORCA's EUC_JP" "128" "$(q "SELECT octet_length(hknjanum_name) FROM tbl_onshi_kaku WHERE hknjanum_name LIKE '保保保%'")"
assert_eq "long 保険者名称: the cut is recorded for its unit" "1" \
  "$(q "SELECT count(*) FROM onshi.result_unit WHERE flags LIKE '%cut:hknjanum_name%'")"
echo "1 passed, 0 failed"
