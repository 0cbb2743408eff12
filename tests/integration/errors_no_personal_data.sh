#!/usr/bin/env bash
# A database error in the middle of an ingest says what failed without quoting the row: PostgreSQL's
# DETAIL ("Failing row contains (…)") and CONTEXT (the COPY line) hold names, kana and insurance
# numbers, and the message reaches the terminal, the daemon's log and the job's error. Here every row
# ORCA's table receives breaks a CHECK added for the test: the ingest fails (exit 5, nothing written),
# its message names the constraint, and no name, kana name or 記号/番号 of the file appears in it.
. "$top_srcdir/tests/lib/env.sh"
env_setup 30
"$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" --reception R_PII --out "$T/r.xml"
q "ALTER TABLE tbl_onshi_kaku ADD CONSTRAINT test_refuses_every_row CHECK (res_name = 'nobody') NOT VALID" > /dev/null
set +e; onshi ingest --hospnum 1 "$T/r.xml" > "$T/out" 2> "$T/err"; rc=$?; set -e
cat "$T/err"
assert_eq "ingest refused by the database: exit status (5 = database)" "5" "$rc"
grep -q 'test_refuses_every_row' "$T/err" || fail "the message does not name the constraint that failed"
assert_eq "rows written" "0" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
# Every name, kana name, 記号 and 番号 of the file (those long enough not to match by chance).
grep -oE '<(Name|NameKana|InsuredCardSymbol|InsuredIdentificationNumber)>[^<]{3,}<' "$T/r.xml" | sed -E 's/^<[A-Za-z]+>//; s/<$//' | sort -u > "$T/pii"
[ "$(wc -l < "$T/pii")" -gt 20 ] || fail "too few personal values to look for ($(wc -l < "$T/pii"))"
leaked=$(grep -F -f "$T/pii" "$T/err" | head -3 || true)
assert_eq "personal data in the error message" "" "$leaked"
# The same values, full-width as ORCA stores 記号/番号, are not there either.
leaked=$(python3 -c 'import sys,unicodedata
vals=[l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
err=open(sys.argv[2], encoding="utf-8", errors="replace").read()
z=lambda s: "".join(chr(ord(c)+0xFEE0) if "!"<=c<="~" else c for c in s)
print("\n".join(v for v in vals if z(v) in err or v in err)[:200])' "$T/pii" "$T/err")
assert_eq "personal data (full-width forms) in the error message" "" "$leaked"
echo "1 passed, 0 failed"
