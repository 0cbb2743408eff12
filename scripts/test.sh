#!/bin/sh
# Sets everything up and runs every test (unit + integration): the README's second command.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
status=0
make -s -j"$(nproc)" check || status=$?
# The Debian packages (tests/integration/package.sh): built, installed on this machine and purged.
# `make check` skips it (it installs packages, and the package build runs `make check` itself).
pkg_status=0
ONSHI_PACKAGE_TEST=1 make -s check TESTS=tests/integration/package.sh TEST_SUITE_LOG=package-suite.log || pkg_status=$?
# One closing line for every runner: counts from the automake test driver.
if [ -f test-suite.log ]; then
  pass=$(grep -h '^:test-result: PASS' tests/unit/*.trs tests/fuzz/*.trs tests/integration/*.trs tests/integration/https/*.trs 2>/dev/null | wc -l)
  fail=$(grep -h '^:test-result: \(FAIL\|ERROR\|XPASS\)' tests/unit/*.trs tests/fuzz/*.trs tests/integration/*.trs tests/integration/https/*.trs 2>/dev/null | wc -l)
  [ "$status" -ne 0 ] && cat test-suite.log
  [ "$pkg_status" -ne 0 ] && cat package-suite.log
  echo "$pass passed, $fail failed"
fi
[ "$status" -ne 0 ] || status=$pkg_status
exit "$status"
