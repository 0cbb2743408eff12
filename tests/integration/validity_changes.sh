#!/usr/bin/env bash
# 資格有効性確認 over 1,000 registered patients reports exactly the changes the simulator injected:
# a first run is the baseline, then OQS changes some qualifications, and a second run must report
# each of them (無効, 新しい資格あり, 負担割合, 有効終了日) and nothing else.
. "$top_srcdir/tests/lib/env.sh"
env_setup 1000
sim_start --processing 1 --delay-ms 20
daemon_start
run_validity() {
  local id
  id=$(onshi fetch --hospnum 1 --kind validity --queue 2>/dev/null | awk '/queued/ { print $2 }')
  wait_sql "SELECT state IN ('done','failed','expired') FROM onshi.job WHERE id = $id" 120
  assert_eq "validity job $id" done "$(q "SELECT state FROM onshi.job WHERE id = $id")" >&2
  echo "$id"
}
first=$(run_validity)
assert_eq "baseline: no change but 該当資格なし" "0" "$(q "SELECT count(*) FROM onshi.validity_change WHERE job_id = $first AND change <> 'not_found'")"
sim_start --processing 1 --delay-ms 20 --change-seed 7 --change-rate 8
second=$(run_validity)
"$SIM" expect-validity --seed "$SEED" --size "$SIZE" --today "$TODAY" --change-seed 7 --change-rate 8 | tail -n +2 | sort > "$T/injected"
# Held units (外字 names) are not written, so they are not compared either.
q "SELECT trim(n.ptnum) || E'\t' || c.change FROM onshi.validity_change c JOIN tbl_ptnum n ON n.hospnum = 1 AND n.ptid = c.ptid
   WHERE c.job_id = $second AND c.change <> 'not_found' ORDER BY 1" | sort > "$T/reported"
held=$(q "SELECT string_agg(trim(n.ptnum), '|') FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id
          JOIN tbl_ptnum n ON n.hospnum = 1 AND n.ptid = split_part(u.sikibetu, '-', 1)::bigint WHERE f.job_id = $second AND u.status = 'held'")
grep -Ev "^(${held:-NONE})	" "$T/injected" > "$T/injected.cmp" || true
n=$(wc -l < "$T/injected.cmp")
[ "$n" -ge 20 ] || fail "only $n injected changes: the comparison would be weak"
if ! diff -u "$T/injected.cmp" "$T/reported" > "$T/diff"; then cat "$T/diff"; fail "reported changes differ from the injected ones"; fi
ok "reported exactly the $n injected changes ($(cut -f2 "$T/reported" | sort | uniq -c | tr -s ' ' | tr '\n' ','))"
onshi job show "$second" > "$T/show.out"; head -n 8 "$T/show.out"
echo "1 passed, 0 failed"
