#!/usr/bin/env bash
# `make check`: every fuzz target replays its seed corpus and its regression inputs (crashes found
# by `make fuzz`, kept in tests/fuzz/regress/<target>/) through the harness built without
# libFuzzer. A crash, abort or sanitizer-free assertion failure fails the test. Takes seconds.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
n=0
for t in codec zip tlv apdu; do
  dirs=()
  for d in "$top_srcdir/tests/fuzz/corpus/$t" "$top_srcdir/tests/fuzz/regress/$t"; do [ -d "$d" ] && dirs+=("$d"); done
  out=$("$top_builddir/tests/fuzz/replay_$t" "${dirs[@]}" 2>/dev/null) || { echo "FAIL: replay_$t crashed (exit $?)" >&2; \
    "$top_builddir/tests/fuzz/replay_$t" "${dirs[@]}" 2>&1 | tail -n 5 >&2; exit 1; }
  echo "ok - fuzz_$t: $out"
  n=$((n + 1))
done
echo "$n passed, 0 failed"
