#!/usr/bin/env bash
# A newer ORCA: tbl_onshi_kaku, tbl_onshi_houmon and tbl_onshi_aidlst each gain columns orca-onshi does
# not know, of every character and numeric type, with and without defaults, NOT NULL or not. doctor says
# INFO with the value; every row the module writes (★ fetch, consent fetch with 医療券, review accept)
# holds '' or 0 in them, as ORCA's own insert does: no NULL in any column of the three tables, and P031
# still lists every row.
. "$top_srcdir/tests/lib/env.sh"
env_setup 80

# name type-and-constraint expected-value
EXTRA="x_vc|character varying(10)|''
x_vc_nn|character varying(5) NOT NULL|''
x_ch_def|character(3) DEFAULT 'ABC'|''
x_tx_nn_def|text NOT NULL DEFAULT 'zz'|''
x_num|numeric(5,1)|0
x_int_nn|integer NOT NULL|0
x_si_def|smallint DEFAULT 7|0
x_bi_nn_def|bigint NOT NULL DEFAULT 9|0"
TABLES="tbl_onshi_kaku tbl_onshi_houmon tbl_onshi_aidlst"
for t in $TABLES; do
  while IFS='|' read -r col type _; do q "ALTER TABLE $t ADD COLUMN $col $type" > /dev/null; done <<< "$EXTRA"
done
ok "$(echo "$EXTRA" | wc -l) columns added to each of $TABLES"

# doctor: exit 0, one INFO per added column naming its value.
rc=0; onshi doctor > "$T/doctor.out" 2>&1 || rc=$?
assert_eq "doctor exit" 0 "$rc"
for t in $TABLES; do
  while IFS='|' read -r col _ value; do
    grep -q "^INFO $t\.$col (.*) is not known to orca-onshi: a newer ORCA? written as $value, as ORCA's own insert does$" "$T/doctor.out" \
      || { cat "$T/doctor.out"; fail "doctor: no INFO for $t.$col with $value"; }
  done <<< "$EXTRA"
done
assert_eq "doctor: INFO lines" 24 "$(grep -c '^INFO ' "$T/doctor.out")"
grep -q "^doctor: [0-9]* OK, 0 WARN, 0 ERR, 24 INFO$" "$T/doctor.out" || { cat "$T/doctor.out"; fail "doctor summary"; }
ok "doctor names each column and its value"

# no_nulls WHAT: no row of the three tables has a NULL in any column; the added columns hold '' / 0.
no_nulls() {
  for t in $TABLES; do
    assert_eq "$1: rows of $t with a NULL" 0 "$(q "SELECT count(*) FROM $t x WHERE NOT (x IS NOT NULL)")"
    local cond="true"
    while IFS='|' read -r col _ value; do
      if [ "$value" = "''" ]; then cond="$cond AND $col = ''"; else cond="$cond AND $col = 0"; fi
    done <<< "$EXTRA"
    assert_eq "$1: rows of $t not ''/0 in every added column" 0 "$(q "SELECT count(*) FROM $t WHERE NOT ($cond)")"
  done
}

# ★: a homecare fetch writes tbl_onshi_kaku.
sim_start --processing 0 --delay-ms 20
onshi fetch --hospnum 1 --kind homecare > "$T/fetch.out" 2>&1 || { cat "$T/fetch.out"; fail "star fetch"; }
rows=$(q "SELECT count(*) FROM tbl_onshi_kaku")
assert_eq "star: rows written" "$(expected_rows homecare)" "$rows"
no_nulls "star"
# P031 F9 全対象 lists every row of today.
listed=$(onshi p031 --hospnum 1 --date "$TODAY" --all --format tsv | tail -n +2 | wc -l)
assert_eq "P031 (全対象) lists every row" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE hospnum = 1 AND kaku_kakuninymd = '$TODAY'")" "$listed"
onshi p031 --hospnum 1 --date "$TODAY" --format tsv > "$T/p031.tsv"
assert_eq "P031 (【全体】) lists the ★ rows" "$rows" "$(tail -n +2 "$T/p031.tsv" | wc -l)"

# Consent style: tbl_onshi_houmon and tbl_onshi_aidlst (医療券) as well.
sed -i 's/^p031_mark=star/p031_mark=consent/' "$CONF"
onshi fetch --hospnum 1 --kind homecare --consent-from 20200101 > "$T/fetch2.out" 2>&1 || { cat "$T/fetch2.out"; fail "consent fetch"; }
[ "$(q "SELECT count(*) FROM tbl_onshi_houmon")" -gt 0 ] || fail "consent: no tbl_onshi_houmon row"
[ "$(q "SELECT count(*) FROM tbl_onshi_aidlst")" -gt 0 ] || fail "consent: no tbl_onshi_aidlst row"
assert_eq "consent: rows" "$((2 * rows))" "$(q "SELECT count(*) FROM tbl_onshi_kaku")"
no_nulls "consent"
listed=$(onshi p031 --hospnum 1 --date "$TODAY" --view homecare --format tsv | tail -n +2 | wc -l)
assert_eq "P031 (訪問診療同意) lists every consent row" "$rows" "$listed"

# review accept writes the held rows through the same writer.
hid=$(q "SELECT min(id) FROM onshi.review WHERE kind = 'held' AND status = 'open'")
[ -n "$hid" ] || fail "no held unit to accept"
before=$(q "SELECT count(*) FROM tbl_onshi_kaku")
onshi review accept "$hid" --operator 受付 > "$T/accept.out" || fail "review accept"
[ "$(q "SELECT count(*) FROM tbl_onshi_kaku")" -gt "$before" ] || fail "accept wrote no row"
no_nulls "review accept"
echo "1 passed, 0 failed"
