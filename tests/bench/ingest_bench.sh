#!/usr/bin/env bash
# Ingest benchmark: generates an N-unit 02res (default 10,000) and a matching ORCA population, then
# prints, as the median of BENCH_RUNS runs (default 5), the time of
#   (a) xmllint --stream on the file (the floor for reading it),
#   (b) psql \copy of exactly the rows orca-onshi writes (the floor for writing them),
#   (c) orca-onshi ingest end to end (parse + validate + match + map + write + commit),
# with peak RSS of (c) from /usr/bin/time. Figures only; no assertion on time.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
UNITS=${BENCH_UNITS:-10000}
RUNS=${BENCH_RUNS:-5}
ENCODING=${BENCH_ENCODING:-utf-8}
. "$top_srcdir/tests/lib/env.sh"

env_setup "$UNITS"
FILE=$T/OQSmuhvq02res_bench.xml
"$SIM" make-result --seed "$SEED" --size "$UNITS" --today "$TODAY" --inst "$INST" --reception "BENCH_$UNITS" \
  --encoding "$ENCODING" --out "$FILE"
q "VACUUM ANALYZE" >/dev/null

reset_rows() { clear_results all; }
timed() {  # prints "seconds peak_kib" of the command
  /usr/bin/time -f '%e %M' -o "$T/time.out" "$@" >/dev/null 2>"$T/cmd.err" || { cat "$T/cmd.err" >&2; return 1; }
  cat "$T/time.out"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: > "$T/a"; : > "$T/b"; : > "$T/c"; : > "$T/rss"
for _ in $(seq 1 "$RUNS"); do
  timed xmllint --stream --noout "$FILE" | awk '{ print $1 }' >> "$T/a"
  reset_rows
  read -r s kib < <(timed "$ONSHI" --config "$CONF" ingest --hospnum 1 "$FILE")
  echo "$s" >> "$T/c"; echo "$kib" >> "$T/rss"
done
rows=$(q "SELECT count(*) FROM tbl_onshi_kaku")
psql -Xq -c "\\copy tbl_onshi_kaku TO '$T/rows.copy'"
for _ in $(seq 1 "$RUNS"); do
  reset_rows
  timed psql -Xq -c "\\copy tbl_onshi_kaku FROM '$T/rows.copy'" | awk '{ print $1 }' >> "$T/b"
done

a=$(median < "$T/a"); b=$(median < "$T/b"); c=$(median < "$T/c"); rss=$(median < "$T/rss")
size=$(du -k "$FILE" | cut -f1)
printf '\ningest benchmark: %s units (%s), %s rows, file %s KiB, median of %s runs, %s\n' "$UNITS" "$ENCODING" "$rows" "$size" "$RUNS" "$(date -u +%Y-%m-%d)"
printf '%-44s %10s\n' "(a) xmllint --stream" "${a} s" "(b) COPY of the same rows (psql \\copy)" "${b} s" \
  "(c) orca-onshi ingest (end to end)" "${c} s"
printf '%-44s %10s\n' "ratio c / (a + b)" "$(awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "%.2f", c / (a + b) }')"
printf '%-44s %10s\n' "peak RSS of orca-onshi ingest" "$((rss / 1024)) MiB"
