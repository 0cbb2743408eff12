#!/usr/bin/env bash
# A zip result whose stored XML does not match its CRC (a byte changed in transit): libzip's read,
# called from inside libxml2's read callback (a C boundary, core/callback.hpp's guarded_into), fails
# at the entry's end; the error crosses back as the clear refusal "the zip is damaged" (exit 65,
# malformed), not std::terminate (134), and nothing is written. The same zip undamaged is ingested.
. "$top_srcdir/tests/lib/env.sh"
env_setup 20
"$SIM" make-result --seed "$SEED" --size "$SIZE" --today "$TODAY" --inst "$INST" --reception R_ZIPCRC --encoding utf-8 --out "$T/r.xml"
(cd "$T" && zip -q -0 good.zip r.xml)  # stored: the XML stays well-formed when a letter changes
# One letter of the 受付番号 changed inside the stored data (the CRC in the headers is the old one's).
perl -0777 -pe 's/R_ZIPCRC/R_ZIPCRD/' "$T/good.zip" > "$T/damaged.zip"
cmp -s "$T/good.zip" "$T/damaged.zip" && fail "could not damage the zip"
unzip -tq "$T/damaged.zip" > /dev/null 2>&1 && fail "unzip finds the damaged zip sound"
ok "damaged.zip fails unzip's CRC test"

orca_before=$(pg_table_counts public)
set +e; onshi ingest --hospnum 1 "$T/damaged.zip" > "$T/out" 2> "$T/err"; rc=$?; set -e
assert_eq "exit status of the damaged zip (65: malformed)" "65" "$rc"
assert_eq "the refusal" "orca-onshi: $T/damaged.zip: the zip is damaged" "$(head -n 1 "$T/err")"
assert_eq "ORCA's tables unchanged" "$orca_before" "$(pg_table_counts public)"
assert_eq "result files recorded" "0" "$(q "SELECT count(*) FROM onshi.result_file")"

onshi ingest --hospnum 1 "$T/good.zip" > "$T/out"
assert_eq "rows from the same zip undamaged" "$(expected_rows)" \
  "$(q "SELECT coalesce(sum(rows_written), 0) FROM onshi.result_file WHERE reception_number = 'R_ZIPCRC'")"
echo "1 passed, 0 failed"
