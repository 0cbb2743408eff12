#!/usr/bin/env bash
# `make bench`: every benchmark in tests/bench/, then one table of every figure beside its floor or
# goal (BENCHMARKS.md holds the latest). Each benchmark prints its own details as it goes and appends
# its summary rows (| figure | measured | goal |) to $BENCH_SUMMARY. The machine's load average is
# printed before and after: on a shared machine the figures move with it.
# Figures only: nothing here asserts a time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BENCH_SUMMARY=$(mktemp)
export BENCH_SUMMARY
trap 'rm -f "$BENCH_SUMMARY"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
for b in ingest_bench.sh latency.sh p031_latency.sh card_latency.sh runner_wait.sh; do
  bash "$here/$b" || { echo "bench: $b failed" >&2; rc=1; }
done
echo
echo "orca-onshi benchmarks, $(date -u +%Y-%m-%d), $(nproc) CPUs, load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo
echo "| figure | measured | floor or goal |"
echo "|---|---:|---:|"
cat "$BENCH_SUMMARY"
exit "$rc"
