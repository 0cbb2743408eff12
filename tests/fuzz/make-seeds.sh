#!/usr/bin/env bash
# Regenerates the small seed corpora in tests/fuzz/corpus/ from the simulator (orca-onshi-sim) and
# from hand-written card answers. Run from a built tree: bash tests/fuzz/make-seeds.sh
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SIM=$top_builddir/orca-onshi-sim
C=$top_srcdir/tests/fuzz/corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf "$C"; mkdir -p "$C/codec" "$C/zip" "$C/tlv" "$C/apdu"
mk() { "$SIM" make-result --seed "$1" --size "$2" --today 20250110 --now 20250110093000 --reception 20250110093000123_0001 "${@:3}"; }

# codec: 02res from the simulator (UTF-8, Shift_JIS, both wrappers, unit errors), a 01res, a 処理中 and an 異常終了.
mk 1 2 --encoding utf-8 --out "$C/codec/02res_utf8.xml"
mk 2 2 --encoding shift_jis --wrapper none --out "$C/codec/02res_sjis.xml"
mk 3 3 --wrapper resultlist --fault unit-errors,validity-mix --out "$C/codec/02res_faults.xml"
# ... and from a second writer: Shift_JIS with no declaration, UTF-8 with a BOM and no declaration.
printf '01280015\t66858837\t400000\t00\t19670620\t2\n39270012\t\t12900001\t\t19430107\t2\n' > "$tmp/persons.tsv"
python3 "$top_srcdir/tests/lib/second_writer.py" --out "$C/codec/02res_sjis_undeclared.xml" --reception R_SEED \
  --encoding shift_jis --declare no < "$tmp/persons.tsv"
python3 "$top_srcdir/tests/lib/second_writer.py" --out "$C/codec/02res_utf8_bom_undeclared.xml" --reception R_SEED \
  --encoding utf-8 --declare no --bom < "$tmp/persons.tsv"
cat > "$C/codec/01res.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg><MessageHeader><ProcessExecutionTime>20250110093000</ProcessExecutionTime><MedicalInstitutionCode>1310000017</MedicalInstitutionCode><ArbitraryFileIdentifier>ORCA-ONSHI-1-1</ArbitraryFileIdentifier><CharacterCodeIdentifier>0</CharacterCodeIdentifier></MessageHeader><MessageBody><ReceptionNumber>20250110093000123_0001</ReceptionNumber><ReceptionDateTime>20250110093000</ReceptionDateTime></MessageBody></XmlMsg>
XML
cat > "$C/codec/02res_seg2.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?><XmlMsg><MessageHeader><ReceptionNumber>R1</ReceptionNumber><SegmentOfResult>2</SegmentOfResult></MessageHeader><MessageBody/></XmlMsg>
XML
cat > "$C/codec/02res_seg9.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?><XmlMsg><MessageHeader><SegmentOfResult>9</SegmentOfResult><ErrorCode>EQ001</ErrorCode><ErrorMessage>異常終了</ErrorMessage></MessageHeader></XmlMsg>
XML

# zip: the simulator's zip, and zips with no, two and a misplaced .xml.
mk 1 2 --encoding shift_jis --zip --out "$C/zip/02res.zip"
cp "$C/codec/02res_seg2.xml" "$C/zip/plain.xml"
(cd "$tmp" && cp "$C/codec/02res_seg9.xml" a.xml && cp a.xml b.xml && echo hi > note.txt \
  && zip -q -X two.zip a.xml b.xml && zip -q -X none.zip note.txt && mkdir -p d && cp a.xml d/ && zip -q -X -r dir.zip d)
cp "$tmp/two.zip" "$tmp/none.zip" "$tmp/dir.zip" "$C/zip/"

# tlv: a 基本4情報 file (FF 20 template, DF 21..25), a long-form length, a certificate header.
printf '\xff\x20\x2a\xdf\x21\x04\x00\x00\x00\x00\xdf\x22\x0c\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e\xdf\x23\x06\xe6\x9d\xb1\xe4\xba\xac\xdf\x24\x08\x31\x39\x38\x30\x30\x31\x30\x31\xdf\x25\x01\x31\xff\xff' > "$C/tlv/basic4"
printf '\x00\x00\xff\x20\x81\x06\xdf\x22\x03\x41\x42\x43' > "$C/tlv/basic4_lead"
printf '\x30\x82\x00\x08\x30\x06\x02\x01\x01\x05\x01\x00' > "$C/tlv/cert"

# apdu: first byte = which operations run (bit 0 detect ... bit 6 基本4情報, bit 7 allow_last_try),
# second = extended Le / 256; then the card's answers, each a length byte and the bytes (SW last).
a() { printf '%b' "$@"; }
ok='\x02\x90\x00'
# detect: SELECT AP, SELECT EF, READ BINARY 32 → JPKIAPICCTOKEN2
a '\x01\x00' "$ok" "$ok" '\x22JPKIAPICCTOKEN2\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x90\x00' > "$C/apdu/detect"
# short certificate read: 30 82 00 08 then 8 bytes; with a 61 xx and a 6C xx on the way
a '\x02\x00' "$ok" "$ok" '\x06\x30\x82\x00\x08\x90\x00' '\x02\x61\x08' '\x0a\x30\x06\x02\x01\x01\x05\x01\x00\x90\x00' > "$C/apdu/cert_short"
a '\x04\x00' "$ok" "$ok" '\x0e\x30\x82\x00\x08\x30\x06\x02\x01\x01\x05\x01\x00\x62\x82' > "$C/apdu/cert_ext"
a '\x02\x00' "$ok" "$ok" '\x02\x6c\x04' '\x06\x30\x82\x00\x02\x90\x00' '\x04\x05\x00\x90\x00' > "$C/apdu/cert_6c"
# PIN status 63 C3, VERIFY ok; blocked; 1 try left
a '\x10\x00' "$ok" "$ok" '\x02\x63\xc3' "$ok" > "$C/apdu/verify_ok"
a '\x10\x00' "$ok" "$ok" '\x02\x69\x83' > "$C/apdu/verify_blocked"
a '\x90\x00' "$ok" "$ok" '\x02\x63\xc1' '\x02\x63\xc0' > "$C/apdu/verify_last_try"
# SIGN: VERIFY then SELECT key, SIGN answers 61 00 + GET RESPONSE
a '\x20\x00' "$ok" "$ok" '\x02\x63\xc3' "$ok" "$ok" '\x02\x61\x00' '\x06\x01\x02\x03\x04\x90\x00' > "$C/apdu/sign"
# 基本4情報: VERIFY, SELECT EF 0002, READ 3 bytes (FF 20 0C), READ the rest
a '\x40\x00' "$ok" "$ok" '\x02\x63\xc3' "$ok" "$ok" '\x05\xff\x20\x0c\x90\x00' \
  '\x0e\xdf\x22\x03\x41\x42\x43\xdf\x25\x01\x31\x00\x00\x00\x90\x00' > "$C/apdu/basic4"
ls -l "$C"/*/ | awk '{s += $5} END {print "seed bytes:", s}'
