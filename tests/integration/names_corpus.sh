#!/usr/bin/env bash
# Every class of name OQS can carry, end to end in ORCA's EUC_JP database. The corpus is generated from
# Unicode's own data (tests/lib/names_corpus.py: Extensions B-H, compatibility ideographs, SVS/IVS,
# NFD, half/full-width forms, ● 〓 ・, JIS X 0212, JIS X 0213); PostgreSQL's EUC_JP conversion decides
# which characters fit (the oracle, in a UTF8 database of the same server); tests/lib/names_oracle.py
# applies the module's documented rules (text.hpp: to_storable_form) to say what each name must become.
# Each name ends written faithfully or held; `review` lists every held one (exit 0), `review accept`
# writes it with 〓, `review reject` writes nothing; P031 lists every row; no NULL, no '?', no unit lost.
# The same through the screens' API (a fetched job), with one screenshot of the review screen.
. "$top_srcdir/tests/lib/env.sh"
python3 "$top_srcdir/tests/lib/names_corpus.py" > "$T/corpus.tsv" || fail "names_corpus.py (unicode-data installed?)"
N=$(wc -l < "$T/corpus.tsv")
[ "$N" -ge 1000 ] || fail "the corpus has $N names"
ok "corpus: $N names"
env_setup "$N"
cut -f2 "$T/corpus.tsv" > "$T/names.txt"

# ---- The oracle: PostgreSQL's EUC_JP conversion of every character, in a UTF8 database. ----
psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE oracle TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" > /dev/null
oq() { psql -XAtq -v ON_ERROR_STOP=1 -d oracle "$@"; }
oq -c "CREATE FUNCTION euc_len(t text) RETURNS integer LANGUAGE plpgsql AS \$\$
         BEGIN RETURN octet_length(convert_to(t, 'EUC_JP')); EXCEPTION WHEN others THEN RETURN -1; END \$\$" > /dev/null
oq -c "CREATE TABLE ch (hex text)" > /dev/null
python3 "$top_srcdir/tests/lib/names_oracle.py" chars "$T/corpus.tsv" | oq -c "COPY ch FROM STDIN"
oq -F $'\t' -c "SELECT hex, euc_len(chr(('x' || lpad(hex, 8, '0'))::bit(32)::int)) FROM ch" > "$T/fits.tsv"
assert_eq "oracle: 𠮷 (U+20BB7) has no EUC_JP form" "-1" "$(awk '$1 == "20BB7" {print $2}' "$T/fits.tsv")"
assert_eq "oracle: 髙 (U+9AD9, an IBM extension) takes 3 bytes in EUC_JP" "3" "$(oq -c "SELECT euc_len('髙')")"
python3 "$top_srcdir/tests/lib/names_oracle.py" expect "$T/corpus.tsv" "$T/fits.tsv" > "$T/expect.tsv"
HELD=$(awk -F'\t' '$3 == "held"' "$T/expect.tsv" | wc -l)
WRITTEN=$(awk -F'\t' '$3 == "written"' "$T/expect.tsv" | wc -l)
ok "oracle: $WRITTEN names fit ORCA's database, $HELD must be held"
[ "$HELD" -gt 100 ] && [ "$WRITTEN" -gt 100 ] || fail "the corpus does not exercise both outcomes"

# ---- CLI: one result file with every name, ingested by hand. ----
"$SIM" make-result --seed "$SEED" --size "$N" --today "$TODAY" --names "$T/names.txt" --out "$T/OQSmuhvq02res_names.xml"
onshi ingest --hospnum 1 "$T/OQSmuhvq02res_names.xml" > "$T/ingest.out" || { cat "$T/ingest.out"; fail "ingest"; }
file_id=$(q "SELECT max(id) FROM onshi.result_file")
assert_eq "no unit lost" "$N" "$(q "SELECT count(*) FROM onshi.result_unit WHERE file_id = $file_id AND status IN ('written', 'held')")"
q "SELECT u.seq, u.status, coalesce(string_agg(k.res_name, '|' ORDER BY k.tbl_uuid), '')
   FROM onshi.result_unit u LEFT JOIN tbl_onshi_kaku k ON k.tbl_uuid = ANY (u.tbl_uuids)
   WHERE u.file_id = $file_id GROUP BY u.seq, u.status ORDER BY u.seq" | tr '|' '\t' | sed 's/\t/|/3g' > "$T/units.tsv"
# (psql -A separates with '|': seq|status|names... -> seq<TAB>status<TAB>name|name)
python3 "$top_srcdir/tests/lib/names_oracle.py" compare "$T/expect.tsv" "$T/units.tsv" > "$T/compare.out" || { cat "$T/compare.out"; fail "names differ from the oracle"; }
sed 's/^/    /' "$T/compare.out"
ok "every name written faithfully (round trip through EUC_JP) or held, as the oracle says"
assert_eq "held units" "$HELD" "$(q "SELECT count(*) FROM onshi.review WHERE file_id = $file_id AND kind = 'held'")"

# review (CLI) lists every held unit, exit 0, with its name as kept.
rc=0; onshi review --hospnum 1 > "$T/review.out" 2> "$T/review.err" || rc=$?
[ "$rc" = 0 ] || { cat "$T/review.err"; fail "review exit $rc"; }
ok "review: exit 0"
q "SELECT v.id, v.seq FROM onshi.review v WHERE v.file_id = $file_id AND v.kind = 'held' ORDER BY v.id" | tr '|' '\t' > "$T/held_ids.tsv"
# review.out columns: ID 日時(2) 種別 状態 氏名 ...; the names hold no ASCII blank.
awk '$4 == "保留" {print $1 "\t" $6}' "$T/review.out" | sort > "$T/review_names.tsv"
awk -F'\t' 'NR == FNR {name[$1] = $4; next} {print $1 "\t" name[$2]}' "$T/expect.tsv" "$T/held_ids.tsv" | sort > "$T/want_names.tsv"
diff "$T/want_names.tsv" "$T/review_names.tsv" > "$T/review.diff" || { head -20 "$T/review.diff"; fail "review does not list the held names as kept"; }
ok "review lists all $HELD held units with their names"

# Accept every held unit but every 7th, which is rejected.
: > "$T/accepted.txt"
rejected=0
while IFS=$'\t' read -r id seq; do
  if [ $((seq % 7)) = 0 ]; then
    onshi review reject "$id" --operator 事務長 > /dev/null || fail "review reject $id"
    rejected=$((rejected + 1))
  else
    onshi review accept "$id" --operator 受付 > /dev/null || fail "review accept $id (line $seq)"
    echo "$seq" >> "$T/accepted.txt"
  fi
done < "$T/held_ids.tsv"
ok "review: $(wc -l < "$T/accepted.txt") accepted, $rejected rejected"
assert_eq "nothing left open" 0 "$(q "SELECT count(*) FROM onshi.review WHERE file_id = $file_id AND status = 'open' AND kind = 'held'")"
# The rows accept wrote (in no unit's tbl_uuids) hold the 〓 forms: same names, as many as the units' results.
q "SELECT k.res_name FROM tbl_onshi_kaku k WHERE NOT EXISTS (SELECT 1 FROM onshi.result_unit u WHERE k.tbl_uuid = ANY (u.tbl_uuids))" | sort > "$T/accepted_got.txt"
"$SIM" expect --seed "$SEED" --size "$N" --today "$TODAY" | awk -F'\t' 'NR > 1 {print $1 + 1 "\t" $4}' > "$T/results_per_line.tsv"
awk -F'\t' 'FILENAME == ARGV[1] {acc[$1] = 1; next} FILENAME == ARGV[2] {n[$1] = $2; next} ($1 in acc) {for (i = 0; i < n[$1]; i++) print $5}' \
  "$T/accepted.txt" "$T/results_per_line.tsv" "$T/expect.tsv" | sort > "$T/accepted_want.txt"
diff "$T/accepted_want.txt" "$T/accepted_got.txt" > "$T/accepted.diff" || { head -20 "$T/accepted.diff"; fail "accepted rows are not the 〓 forms"; }
ok "review accept wrote $(wc -l < "$T/accepted_got.txt") rows, 〓 for each character that cannot be stored"
grep -q "$(printf '\u3013')" "$T/accepted_got.txt" || fail "no 〓 in the accepted rows"

# No NULL, no '?', nothing lost; P031 lists every row with its name.
assert_eq "rows with a NULL" 0 "$(q "SELECT count(*) FROM tbl_onshi_kaku k WHERE NOT (k IS NOT NULL)")"
assert_eq "names with '?'" 0 "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE res_name LIKE '%?%' OR res_kananame LIKE '%?%' OR res_hihknjaname LIKE '%?%'")"
onshi p031 --hospnum 1 --date "$TODAY" --all --format tsv | tail -n +2 | cut -f11 | sort > "$T/p031_names.txt"
q "SELECT res_name FROM tbl_onshi_kaku WHERE hospnum = 1" | sort > "$T/db_names.txt"
diff "$T/db_names.txt" "$T/p031_names.txt" > "$T/p031.diff" || { head -20 "$T/p031.diff"; fail "P031 does not list every row with its name"; }
ok "P031 (全対象) lists all $(wc -l < "$T/p031_names.txt") rows with their names"

# ---- The screens' API: the same corpus fetched as a job; the review through the API. ----
web_setup
sim_start --processing 0 --delay-ms 20 --names "$T/names.txt"
onshi fetch --hospnum 1 --kind homecare --consent-from 20000101 > "$T/fetch.out" 2>&1 || { cat "$T/fetch.out"; fail "fetch"; }
job=$(q "SELECT max(id) FROM onshi.job")
job_held=$(q "SELECT held FROM onshi.job WHERE id = $job")
[ "$job_held" -gt 50 ] || fail "the fetched job holds only $job_held units"
. "$top_srcdir/tests/lib/browser.sh"
BASE=http://127.0.0.1:$PORT
daemon_start
wait_web "$BASE" 200
JAR=$T/cookies
CSRF=$(curl -s -b "$JAR" -c "$JAR" "$BASE/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
curl -s -b "$JAR" -c "$JAR" -f "$BASE/api/jobs/$job/units" > "$T/units.json" || fail "GET /api/jobs/$job/units"
# Every held unit of the job is listed with its review id and the name kept in the review; the names
# are those `review` (CLI) shows for the same ids.
python3 - "$T/units.json" > "$T/api_held.tsv" <<'PY' || fail "units JSON"
import json, sys
d = json.load(open(sys.argv[1]))
for u in d["units"]:
    if u["status"] == "held":
        print("%d\t%s" % (u["review_id"], u["name"]))
PY
assert_eq "API: held units listed" "$job_held" "$(wc -l < "$T/api_held.tsv")"
assert_eq "API: units listed" "$(q "SELECT units FROM onshi.job WHERE id = $job")" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["units"]))' "$T/units.json")"
onshi review --hospnum 1 | awk '$4 == "保留" && $5 == "open" {print $1 "\t" $6}' | sort > "$T/cli_open.tsv"
sort "$T/api_held.tsv" > "$T/api_held.sorted"
diff "$T/cli_open.tsv" "$T/api_held.sorted" > "$T/api.diff" || { head -20 "$T/api.diff"; fail "API and review list different held names"; }
cut -f2 "$T/api_held.tsv" | sort -u > "$T/api_names.txt"
awk -F'\t' '$3 == "held" {print $4}' "$T/expect.tsv" | sort -u > "$T/held_forms.txt"
assert_eq "API: held names the oracle does not hold" "" "$(comm -23 "$T/api_names.txt" "$T/held_forms.txt" | head -3)"
ok "API lists every held unit of the job with the name kept"

# One screenshot of the review screen with such names (tests/screenshots/, not committed).
browser_deps
SHOTS=${SCREENSHOT_DIR:-$top_srcdir/tests/screenshots}
node "$top_srcdir/tests/browser/names.mjs" "$BASE" "$SHOTS" "$job" "$(head -n 1 "$T/api_held.tsv" | cut -f2)" || fail "review screen in chromium"

# Accept half through the API, reject the rest; P031 then lists the accepted rows with 〓.
before=$(q "SELECT count(*) FROM tbl_onshi_kaku")
n=0; acc=0
while IFS=$'\t' read -r id _; do
  n=$((n + 1))
  what=accept; [ $((n % 2)) = 0 ] && what=reject
  code=$(curl -s -o "$T/decide.json" -w '%{http_code}' -b "$JAR" -c "$JAR" -H "X-CSRF-Token: $CSRF" -X POST "$BASE/api/review/$id/$what")
  [ "$code" = 200 ] || { cat "$T/decide.json"; fail "POST /api/review/$id/$what: $code"; }
  [ "$what" = accept ] && acc=$((acc + 1))
done < "$T/api_held.tsv"
ok "API: $acc accepted, $((n - acc)) rejected"
assert_eq "API: nothing left open" 0 "$(q "SELECT count(*) FROM onshi.review WHERE status = 'open' AND kind = 'held'")"
[ "$(q "SELECT count(*) FROM tbl_onshi_kaku")" -gt "$before" ] || fail "API accept wrote no row"
assert_eq "rows with a NULL" 0 "$(q "SELECT count(*) FROM tbl_onshi_kaku k WHERE NOT (k IS NOT NULL)")"
assert_eq "names with '?'" 0 "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE res_name LIKE '%?%'")"
onshi p031 --hospnum 1 --date "$TODAY" --all --format tsv | tail -n +2 | cut -f11 | sort > "$T/p031_names.txt"
q "SELECT res_name FROM tbl_onshi_kaku WHERE hospnum = 1" | sort > "$T/db_names.txt"
diff "$T/db_names.txt" "$T/p031_names.txt" > /dev/null || fail "P031 does not list every row after the API's decisions"
ok "P031 lists all $(wc -l < "$T/p031_names.txt") rows after the API's decisions"
echo "1 passed, 0 failed"
