#!/usr/bin/env bash
# orca-onshi db drop --yes: drops the module's own schema (onshi) and nothing else. ORCA's tables,
# and the rows the module wrote into them, stay; `db migrate` creates the schema again.
. "$top_srcdir/tests/lib/env.sh"
env_setup 30
sim_start
onshi fetch --hospnum 1 --kind homecare > /dev/null 2> "$T/fetch.err" || { cat "$T/fetch.err"; fail "fetch"; }
sim_stop
written=$(q "SELECT count(*) FROM tbl_onshi_kaku")
[ "$written" -gt 0 ] || fail "the fetch wrote no row"
before=$(pg_table_counts public)
version=$(q 'SELECT max(version) FROM onshi.schema_version')
echo "ORCA tables before: $before"

# Without --yes: a usage error, nothing dropped.
rc=0; onshi db drop > "$T/drop.out" 2> "$T/drop.err" || rc=$?
assert_eq "db drop without --yes exits" 64 "$rc"
grep -q -- '--yes' "$T/drop.err" || fail "no hint to --yes: $(cat "$T/drop.err")"
assert_eq "schema kept" t "$(q "SELECT to_regnamespace('onshi') IS NOT NULL")"
rc=0; onshi db drop --force > /dev/null 2>&1 || rc=$?
assert_eq "db drop --force (not --yes) exits" 64 "$rc"

# With --yes: the schema is gone, ORCA's tables are as they were.
onshi db drop --yes > "$T/drop.out"
assert_eq "db drop --yes says" "module schema onshi dropped (ORCA's tables untouched)" "$(cat "$T/drop.out")"
assert_eq "schema gone" f "$(q "SELECT to_regnamespace('onshi') IS NOT NULL")"
assert_eq "ORCA tables after the drop" "$before" "$(pg_table_counts public)"
assert_eq "rows written into tbl_onshi_kaku kept" "$written" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
assert_eq "db drop --yes again" "no module schema onshi: nothing to drop" "$(onshi db drop --yes)"

# doctor names the missing schema; db migrate brings it back.
rc=0; onshi doctor > "$T/doctor.out" 2>&1 || rc=$?
assert_eq "doctor without the schema exits" 1 "$rc"
grep -q '^ERR  module schema' "$T/doctor.out" || { cat "$T/doctor.out"; fail "doctor does not report the missing schema"; }
onshi db migrate > /dev/null
assert_eq "schema version after migrate" "$version" "$(q 'SELECT max(version) FROM onshi.schema_version')"
rc=0; onshi doctor > "$T/doctor.out" 2>&1 || rc=$?
assert_eq "doctor after migrate exits" 0 "$rc"
assert_eq "ORCA tables after migrate" "$before" "$(pg_table_counts public)"
echo "1 passed, 0 failed"
