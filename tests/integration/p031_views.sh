#!/usr/bin/env bash
# orca-onshi p031 on real parts: pages of 50 in ORCA's order, F9 全対象 (--all) with 済 and ×, the
# 同意一括 filters 訪問診療同意 / オンライン診療同意, and the 相違 column (本家 against tbl_pthkninf).
. "$top_srcdir/tests/lib/env.sh"
env_setup 130
sim_start --processing 0 --delay-ms 20

rc=0; onshi fetch --hospnum 1 --kind homecare > "$T/fetch.out" 2> "$T/fetch.err" || rc=$?
[ "$rc" = 0 ] || { cat "$T/fetch.err"; fail "fetch exited $rc"; }
sim_stop

p031() { onshi p031 --hospnum 1 --date "$TODAY" "$@"; }
# title [OPTIONS...]: the title line of the text list (read from a file: no SIGPIPE under pipefail).
title() { p031 "$@" > "$T/title.txt"; head -n 1 "$T/title.txt"; }
# label [OPTIONS...]: the title from the filter's name on (【...】  N件  K/Mページ).
label() { title "$@" | sed 's/.*  \(【\)/\1/'; }
# pages_tsv OUT [OPTIONS...]: every page's data lines (no title line) into OUT, in page order.
pages_tsv() {
  local out=$1 k pages; shift
  pages=$(title "$@" | sed -n 's|.*  [0-9]*件  1/\([0-9]*\)ページ$|\1|p')
  [ -n "$pages" ] || fail "no page count in the title line of p031 $*"
  : > "$out"
  for k in $(seq 1 "$pages"); do p031 "$@" --page "$k" --format tsv > "$T/page.tsv"; tail -n +2 "$T/page.tsv" >> "$out"; done
}
# lines_with FILE COLUMN VALUE: how many lines have VALUE in the tab-separated COLUMN.
lines_with() { awk -F'\t' -v c="$2" -v v="$3" '$c == v' "$1" | wc -l | tr -d ' '; }
# The mark (column 2) of the line whose 患者番号 (column 10) is PTNUM, '' when not listed.
mark_of() { awk -F'\t' -v p="$2" '$10 == p { print $2 }' "$1"; }

# 【全体】 without F9: the rows P031's key6 path and row test keep.
ALL_WHERE="$P031_WHERE AND mod_flg = '' AND NOT (shokai_kbn = '' AND ((onshinryo_kbn = '2' AND process_class = '2') OR (onshinryo_kbn = '3' AND process_class = '3')))"
N=$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE $ALL_WHERE")
[ "$N" -gt 50 ] || fail "only $N rows: paging needs more than 50"
PAGES=$(( (N + 49) / 50 ))
LAST=$(( N - 50 * (PAGES - 1) ))

# ---- Paging ----
p031 > "$T/p1.txt"
WAREKI="R$((10#${TODAY:0:4} - 2018)).$((10#${TODAY:4:2})).$((10#${TODAY:6:2}))"  # 令和 (the test runs today)
assert_eq "title of page 1" "(P031) オンライン資格確認  確認日 $WAREKI $TODAY  【全体】  ${N}件  1/${PAGES}ページ" "$(head -n 1 "$T/p1.txt")"
assert_eq "text page 1: title, column titles and 50 lines" "52" "$(wc -l < "$T/p1.txt")"
assert_eq "title of the last page" "【全体】  ${N}件  ${PAGES}/${PAGES}ページ" "$(label --page "$PAGES")"
assert_eq "page 1 data lines" "50" "$(p031 --page 1 --format tsv > "$T/p.tsv"; tail -n +2 "$T/p.tsv" | wc -l)"
assert_eq "last page data lines" "$LAST" "$(p031 --page "$PAGES" --format tsv > "$T/p.tsv"; tail -n +2 "$T/p.tsv" | wc -l)"
assert_eq "header of the tsv ends with 相違" "相違" "$(p031 --format tsv > "$T/p.tsv"; head -n 1 "$T/p.tsv" | awk -F'\t' '{ print $NF }')"
assert_eq "tsv without --page: the whole list" "$N" "$(p031 --format tsv > "$T/p.tsv"; tail -n +2 "$T/p.tsv" | wc -l)"
rc=0; p031 --page $((PAGES + 1)) > /dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a page past the end was accepted"
ok "a page past the end is refused"

# Pages together: every row once, in ORCA's order (key6, C collation), 番号 running 1..N.
pages_tsv "$T/all.tsv"
assert_eq "lines over all pages" "$N" "$(wc -l < "$T/all.tsv")"
assert_eq "番号 runs over the pages" "$(seq 1 "$N" | tr '\n' ' ')" "$(cut -f1 "$T/all.tsv" | tr '\n' ' ')"
cut -f9,10,11,12,16,18,23,24,25 "$T/all.tsv" > "$T/got.tsv"
q "SELECT concat_ws(E'\t', substr(k.shori_time, 9, 2) || ':' || substr(k.shori_time, 11, 2),
          coalesce(nullif(trim(n.ptnum), ''), '******'), k.res_name, k.res_kananame, k.res_hknjanum, k.res_edaban,
          k.res_post, k.res_adrs, k.shokai_num)
   FROM (SELECT * FROM tbl_onshi_kaku WHERE $ALL_WHERE) k
   LEFT JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid AND k.ptid <> 0
   ORDER BY k.shori_time COLLATE \"C\", k.shokai_kbn COLLATE \"C\", k.fujyo_uuid COLLATE \"C\", k.card_class COLLATE \"C\",
            k.oya_uuid COLLATE \"C\" DESC, k.tbl_uuid COLLATE \"C\" DESC" > "$T/want.tsv"
assert_eq "distinct rows in the SQL list (the comparison can tell rows apart)" "$N" "$(sort -u "$T/want.tsv" | wc -l)"
cmp -s "$T/want.tsv" "$T/got.tsv" || { diff "$T/want.tsv" "$T/got.tsv" | head -n 20 >&2; fail "pages differ from the SQL ORDER BY"; }
ok "pages list every row once, in ORCA's order"
assert_eq "no 相違 before any change" "0" "$(lines_with "$T/all.tsv" 26 本家)"

# Patients with one row, linked, 有効, whose registered insurance matches the row (for the changes below).
mapfile -t CAND < <(q "SELECT k.tbl_uuid || ' ' || k.ptid || ' ' || trim(n.ptnum) FROM tbl_onshi_kaku k
  JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid
  WHERE k.hospnum = 1 AND k.kakuninymd = '$TODAY' AND k.ptid <> 0 AND k.shokai_kbn = '1' AND k.card_class <> 'A1'
    AND k.sikaku_yuko = '1' AND k.res_honkzkkbn IN ('1', '2')
    AND (SELECT count(*) FROM tbl_onshi_kaku x WHERE x.hospnum = k.hospnum AND x.ptid = k.ptid) = 1
    AND EXISTS (SELECT 1 FROM tbl_pthkninf h WHERE h.hospnum = k.hospnum AND h.ptid = k.ptid
                AND rtrim(h.hknjanum) = rtrim(k.res_hknjanum) AND h.kigo = k.res_kigo AND h.num = k.res_num
                AND h.honkzkkbn = k.res_honkzkkbn)
  ORDER BY k.tbl_uuid LIMIT 10")
[ "${#CAND[@]}" = 10 ] || fail "want 10 candidate rows, found ${#CAND[@]}"
uuid() { echo "${CAND[$1]}" | cut -d' ' -f1; }
ptid() { echo "${CAND[$1]}" | cut -d' ' -f2; }
ptnum() { echo "${CAND[$1]}" | cut -d' ' -f3; }

# ---- 済: mod_flg '1' on 2 rows ----
q "UPDATE tbl_onshi_kaku SET mod_flg = '1' WHERE tbl_uuid IN ('$(uuid 0)', '$(uuid 1)')"
pages_tsv "$T/def.tsv"
assert_eq "default list without the 2 済 rows" "$((N - 2))" "$(wc -l < "$T/def.tsv")"
assert_eq "済 rows hidden by default" "" "$(mark_of "$T/def.tsv" "$(ptnum 0)")$(mark_of "$T/def.tsv" "$(ptnum 1)")"
pages_tsv "$T/f9.tsv" --all
assert_eq "--all lists them again" "$N" "$(wc -l < "$T/f9.tsv")"
assert_eq "mark of the first 済 row" "★済" "$(mark_of "$T/f9.tsv" "$(ptnum 0)")"
assert_eq "mark of the second 済 row" "★済" "$(mark_of "$T/f9.tsv" "$(ptnum 1)")"
assert_eq "title with --all" "【全体】（全対象）  ${N}件  1/${PAGES}ページ" "$(label --all)"

# ---- ×: scr_dltflg '1' on 1 row ----
q "UPDATE tbl_onshi_kaku SET scr_dltflg = '1' WHERE tbl_uuid = '$(uuid 2)'"
pages_tsv "$T/def.tsv"
assert_eq "default list without the deleted row" "$((N - 3))" "$(wc -l < "$T/def.tsv")"
assert_eq "deleted row hidden by default" "" "$(mark_of "$T/def.tsv" "$(ptnum 2)")"
pages_tsv "$T/f9.tsv" --all
assert_eq "--all lists every row" "$N" "$(wc -l < "$T/f9.tsv")"
assert_eq "mark of the deleted row" "★×" "$(mark_of "$T/f9.tsv" "$(ptnum 2)")"
assert_eq "× only on the deleted row" "1" "$(grep -c '×' "$T/f9.tsv")"
assert_eq "済 only on the 2 rows" "2" "$(grep -c '済' "$T/f9.tsv")"

# ---- 同意一括 rows: 訪 (onshinryo/process_class '2') and オ ('3'), 3 of each ----
consent_copy() {  # consent_copy FLAG UUID...: copies of the rows as 同意一括 rows of FLAG
  local flag=$1 list; shift
  list=$(printf "'%s'," "$@"); list=${list%,}
  q "CREATE TEMP TABLE c AS SELECT * FROM tbl_onshi_kaku WHERE tbl_uuid IN ($list);
     UPDATE c SET tbl_uuid = gen_random_uuid()::text, shokai_kbn = '', onshinryo_kbn = '$flag', process_class = '$flag';
     INSERT INTO tbl_onshi_kaku SELECT * FROM c;" > /dev/null
}
consent_copy 2 "$(uuid 3)" "$(uuid 4)" "$(uuid 5)"
consent_copy 3 "$(uuid 6)" "$(uuid 7)" "$(uuid 8)"
pages_tsv "$T/home.tsv" --view homecare
assert_eq "訪問診療同意 rows" "3" "$(wc -l < "$T/home.tsv")"
assert_eq "訪問診療同意 rows marked 訪" "3" "$(lines_with "$T/home.tsv" 2 訪)"
assert_eq "訪問診療同意 patients" "$(printf '%s\n' "$(ptnum 3)" "$(ptnum 4)" "$(ptnum 5)" | sort | tr '\n' ' ')" "$(cut -f10 "$T/home.tsv" | sort | tr '\n' ' ')"
assert_eq "title of 訪問診療同意" "【訪問診療同意】  3件  1/1ページ" "$(label --view homecare)"
pages_tsv "$T/online.tsv" --view online
assert_eq "オンライン診療同意 rows" "3" "$(wc -l < "$T/online.tsv")"
assert_eq "オンライン診療同意 rows marked オ" "3" "$(lines_with "$T/online.tsv" 2 オ)"
assert_eq "オンライン診療同意 patients" "$(printf '%s\n' "$(ptnum 6)" "$(ptnum 7)" "$(ptnum 8)" | sort | tr '\n' ' ')" "$(cut -f10 "$T/online.tsv" | sort | tr '\n' ' ')"
assert_eq "title of オンライン診療同意" "【オンライン診療同意】  3件  1/1ページ" "$(label --view online)"
pages_tsv "$T/def.tsv"
assert_eq "【全体】 does not list 同意一括 rows" "$((N - 3))" "$(wc -l < "$T/def.tsv")"
pages_tsv "$T/f9.tsv" --all
assert_eq "【全体】 with --all does not list them either" "$N" "$(wc -l < "$T/f9.tsv")"
assert_eq "no 訪/オ mark in 【全体】" "0" "$(cut -f2 "$T/f9.tsv" | grep -c '[訪オ]' || true)"

# ---- 相違: the registered 本家 of one patient no longer matches ----
q "UPDATE tbl_pthkninf SET honkzkkbn = CASE honkzkkbn WHEN '1' THEN '2' ELSE '1' END WHERE hospnum = 1 AND ptid = $(ptid 9)"
pages_tsv "$T/def.tsv"
assert_eq "rows with 相違 本家" "1" "$(lines_with "$T/def.tsv" 26 本家)"
assert_eq "the 相違 row is that patient's" "$(ptnum 9)" "$(awk -F'\t' '$26 == "本家" { print $10 }' "$T/def.tsv")"
assert_eq "its 本家 column still shows OQS's value" \
  "$(q "SELECT CASE res_honkzkkbn WHEN '1' THEN '本' ELSE '家' END FROM tbl_onshi_kaku WHERE tbl_uuid = '$(uuid 9)'")" \
  "$(awk -F'\t' '$26 == "本家" { print $19 }' "$T/def.tsv")"
echo "1 passed, 0 failed"
