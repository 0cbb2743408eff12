#!/usr/bin/env bash
# Ingest benchmark. For each size N in BENCH_SIZES (default 1000 10000 100000) and each encoding in
# BENCH_ENCODINGS (default utf-8 shift_jis): a throwaway PostgreSQL with an ORCA population of
# BENCH_POPULATION_FACTOR (default 10) × N
# patients, an N-unit 02res of the first N of them, then the median of BENCH_RUNS runs (default 5) of
#   (a) xmllint --stream on the file (the floor for reading it),
#   (b) psql \copy of exactly the rows orca-onshi writes (the floor for writing them),
#   (c) orca-onshi ingest end to end (parse + validate + match + map + write + commit),
# with the peak RSS of (c) from /usr/bin/time -v. Prints a table and the ratio c / (a + b).
# Figures only: nothing here asserts a time. BENCH_OUT=FILE also writes the table there (markdown);
# BENCH_SUMMARY=FILE appends each size and encoding's ratio and peak RSS, with their goals, as rows of
# the one table `make bench` prints (tests/bench/run.sh).
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SIZES=${BENCH_SIZES:-1000 10000 100000}
ENCODINGS=${BENCH_ENCODINGS:-utf-8 shift_jis}
RUNS=${BENCH_RUNS:-5}
FACTOR=${BENCH_POPULATION_FACTOR:-10}   # ORCA patients per unit (matching must stay O(N log M))

if [ -z "${BENCH_ONE:-}" ]; then
  # One process (and one PostgreSQL) per size: each population is built once for both encodings.
  rows_file=$(mktemp)
  for n in $SIZES; do
    BENCH_ONE=$n bash "$0" >> "$rows_file" || { rm -f "$rows_file"; exit 1; }
  done
  header="| units | ORCA patients | encoding | rows | file MiB | (a) xmllint s | (b) COPY s | (c) ingest s | c / (a + b) | peak RSS MiB |"
  rule="|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  {
    echo
    echo "ingest benchmark, median of $RUNS runs, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -m), PostgreSQL $(psql --version | awk '{ print $3 }')"
    echo "$header"
    echo "$rule"
    cat "$rows_file"
  } | tee ${BENCH_OUT:+"$BENCH_OUT"}
  if [ -n "${BENCH_SUMMARY:-}" ]; then
    # | units | patients | encoding | rows | MiB | a | b | c | c/(a+b) | RSS |
    awk -F'|' '{ gsub(/ /, ""); goal = ($2 == 10000 || $2 == 100000) ? "≤ 1.0" : "— (mostly fixed costs)"
                 printf "| ingest %s units, %s patients, %s: c / (a + b) | %s (%s s vs %s s + %s s) | %s |\n", $2, $3, $4, $10, $9, $7, $8, goal
                 printf "| ingest %s units, %s, peak RSS MiB | %s | ≤ 64, flat in N |\n", $2, $4, $11 }' "$rows_file" >> "$BENCH_SUMMARY"
  fi
  rm -f "$rows_file"
  exit 0
fi

# ---- one size ---------------------------------------------------------------------------------------
. "$top_srcdir/tests/lib/env.sh"
N=$BENCH_ONE
M=$((N * FACTOR))
env_setup "$M" >&2
q "VACUUM ANALYZE" >/dev/null

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# timed FILE CMD...: appends "seconds peak_kib" of one run of CMD to FILE. The wall time is taken
# around /usr/bin/time (bash's EPOCHREALTIME, microseconds; time -v itself prints hundredths, a step of
# 2 % of a 0.4 s ingest); the peak RSS is time -v's.
timed() {
  local out=$1 t0 t1; shift
  t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$T/time.out" "$@" >/dev/null 2>"$T/cmd.err" || { cat "$T/cmd.err" >&2; return 1; }
  t1=$EPOCHREALTIME
  awk -F': ' -v t0="$t0" -v t1="$t1" '/Maximum resident set size/ { k = $2 } END { printf "%.4f %d\n", t1 - t0, k }' "$T/time.out" >> "$out"
}

for enc in $ENCODINGS; do
  FILE=$T/OQSmuhvq02res_bench_$enc.xml
  "$SIM" make-result --seed "$SEED" --size "$M" --units "$N" --today "$TODAY" --inst "$INST" \
    --reception "BENCH_${N}_$enc" --encoding "$enc" --out "$FILE" >&2
  : > "$T/a"; : > "$T/b"; : > "$T/c"
  for _ in $(seq 1 "$RUNS"); do
    timed "$T/a" xmllint --stream --noout "$FILE"
    clear_results all
    timed "$T/c" "$ONSHI" --config "$CONF" ingest --hospnum 1 "$FILE"
  done
  rows=$(q "SELECT count(*) FROM tbl_onshi_kaku")
  psql -Xq -c "\\copy tbl_onshi_kaku TO '$T/rows.copy'"
  for _ in $(seq 1 "$RUNS"); do
    clear_results all
    timed "$T/b" psql -Xq -c "\\copy tbl_onshi_kaku FROM '$T/rows.copy'"
  done
  a=$(awk '{ print $1 }' "$T/a" | median)
  b=$(awk '{ print $1 }' "$T/b" | median)
  c=$(awk '{ print $1 }' "$T/c" | median)
  rss=$(awk '{ print $2 }' "$T/c" | median)
  mib=$(awk -v s="$(stat -c %s "$FILE")" 'BEGIN { printf "%.1f", s / 1048576 }')
  awk -v n="$N" -v m="$M" -v e="$enc" -v r="$rows" -v f="$mib" -v a="$a" -v b="$b" -v c="$c" -v k="$rss" \
    'BEGIN { printf "| %d | %d | %s | %d | %s | %.3f | %.3f | %.3f | %.3f | %.1f |\n", n, m, e, r, f, a, b, c, c / (a + b), k / 1024 }'
  rm -f "$FILE" "$T/rows.copy"
done
