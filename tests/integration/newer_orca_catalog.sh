#!/usr/bin/env bash
# A newer ORCA's columns as the catalog describes them, beyond the base types newer_orca.sh adds: the
# ingest must read them as doctor does (information_schema.columns: a domain is its base type), or a
# column doctor promises to fill with '' / 0 is left out of the COPY and a NOT NULL one stops every
# ingest.
. "$top_srcdir/tests/lib/env.sh"
env_setup 40

q "CREATE DOMAIN onshi_test_code AS character varying(4)" > /dev/null
q "CREATE DOMAIN onshi_test_count AS integer CHECK (VALUE >= 0)" > /dev/null
for t in tbl_onshi_kaku tbl_onshi_houmon tbl_onshi_aidlst; do
  q "ALTER TABLE $t ADD COLUMN x_dom_code onshi_test_code NOT NULL, ADD COLUMN x_dom_count onshi_test_count NOT NULL" > /dev/null
done
ok "domain columns (NOT NULL, no default) added to the three tables"

# doctor: information_schema gives the domains' base types, so '' and 0.
rc=0; onshi doctor > "$T/doctor.out" 2>&1 || rc=$?
assert_eq "doctor exit" 0 "$rc"
grep -q "^INFO tbl_onshi_kaku\.x_dom_code (.*) is not known to orca-onshi: a newer ORCA? written as '', as ORCA's own insert does$" "$T/doctor.out" \
  || { cat "$T/doctor.out"; fail "doctor: x_dom_code"; }
grep -q "^INFO tbl_onshi_kaku\.x_dom_count (.*) is not known to orca-onshi: a newer ORCA? written as 0, as ORCA's own insert does$" "$T/doctor.out" \
  || { cat "$T/doctor.out"; fail "doctor: x_dom_count"; }
ok "doctor says the domain columns are written as '' and 0"

# ★ fetch: rows written, the domain columns '' and 0 as doctor said.
sim_start --processing 0 --delay-ms 20
rc=0; onshi fetch --hospnum 1 --kind homecare > "$T/fetch.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/fetch.out"; fail "star fetch exited $rc"; }
rows=$(q "SELECT count(*) FROM tbl_onshi_kaku")
assert_eq "star: rows written" "$(expected_rows homecare)" "$rows"
assert_eq "star: rows whose domain columns are not '' / 0" 0 "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE x_dom_code <> '' OR x_dom_count <> 0")"

# Consent style: tbl_onshi_houmon and tbl_onshi_aidlst too.
sed -i 's/^p031_mark=star/p031_mark=consent/' "$CONF"
rc=0; onshi fetch --hospnum 1 --kind homecare --consent-from 20200101 > "$T/fetch2.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/fetch2.out"; fail "consent fetch exited $rc"; }
[ "$(q "SELECT count(*) FROM tbl_onshi_houmon")" -gt 0 ] || fail "consent: no tbl_onshi_houmon row"
[ "$(q "SELECT count(*) FROM tbl_onshi_aidlst")" -gt 0 ] || fail "consent: no tbl_onshi_aidlst row"
for t in tbl_onshi_kaku tbl_onshi_houmon tbl_onshi_aidlst; do
  assert_eq "consent: rows of $t whose domain columns are not '' / 0" 0 "$(q "SELECT count(*) FROM $t WHERE x_dom_code <> '' OR x_dom_count <> 0")"
done

# A column this user may not touch (ORCA's tables granted to it column by column, a newer ORCA's column
# not among them): information_schema does not show it, so doctor does not name it and the ingest must
# leave it to its default instead of naming it in the COPY (permission denied).
q "CREATE ROLE onshi_cols LOGIN" > /dev/null
q "GRANT USAGE ON SCHEMA public, onshi TO onshi_cols; GRANT ALL ON ALL TABLES IN SCHEMA public, onshi TO onshi_cols;
   GRANT ALL ON ALL SEQUENCES IN SCHEMA public, onshi TO onshi_cols" > /dev/null
cols=$(q "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'tbl_onshi_kaku'::regclass AND attnum > 0 AND NOT attisdropped")
q "REVOKE ALL ON tbl_onshi_kaku FROM onshi_cols; GRANT SELECT ($cols), INSERT ($cols), UPDATE ($cols) ON tbl_onshi_kaku TO onshi_cols" > /dev/null
q "ALTER TABLE tbl_onshi_kaku ADD COLUMN x_not_yours character varying(4) NOT NULL DEFAULT 'orca'" > /dev/null
assert_eq "information_schema shows onshi_cols the column" "0" \
  "$(psql -XAtq -U onshi_cols -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'tbl_onshi_kaku' AND column_name = 'x_not_yours'")"
sed -i 's/^conninfo=\(.*\)user=postgres/conninfo=\1user=onshi_cols/; s/^p031_mark=consent/p031_mark=star/' "$CONF"
grep -q "user=onshi_cols" "$CONF" || fail "conninfo not changed"
clear_results all
rc=0; onshi fetch --hospnum 1 --kind homecare > "$T/fetch3.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/fetch3.out"; fail "fetch as onshi_cols exited $rc"; }
assert_eq "onshi_cols: rows written" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
assert_eq "onshi_cols: rows whose x_not_yours is not its default" 0 "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE x_not_yours <> 'orca'")"
echo "1 passed, 0 failed"
