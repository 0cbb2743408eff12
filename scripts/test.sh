#!/bin/sh
# Sets everything up and runs every test (unit + integration): the README's second command.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
status=0
make -s -j"$(nproc)" check || status=$?
# One closing line for every runner: counts from the automake test driver.
if [ -f test-suite.log ]; then
  pass=$(grep -h '^:test-result: PASS' tests/unit/*.trs tests/fuzz/*.trs tests/integration/*.trs 2>/dev/null | wc -l)
  fail=$(grep -h '^:test-result: \(FAIL\|ERROR\|XPASS\)' tests/unit/*.trs tests/fuzz/*.trs tests/integration/*.trs 2>/dev/null | wc -l)
  [ "$status" -ne 0 ] && cat test-suite.log
  echo "$pass passed, $fail failed"
fi
exit "$status"
