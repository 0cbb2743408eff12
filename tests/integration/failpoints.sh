#!/usr/bin/env bash
# The kill tests' failpoints (core/failpoint.hpp) exist only in the test build: the programs `make`
# builds (and the package installs) hold neither the variable ONSHI_FAILPOINT nor a point's name,
# and the installed daemon given ONSHI_FAILPOINT runs the job to its end; the test daemon
# tests/bin/orca-onshid-fp holds them (so the probe below can find them when they are there).
. "$top_srcdir/tests/lib/env.sh"

POINTS="before_01req after_01req after_01res after_02req mid_ingest"
# count BINARY: how many of the failpoint strings (the variable's name, each point's name) BINARY holds.
count() {
  [ -s "$1" ] || fail "no program $1"
  strings -a "$1" > "$T/strings"
  local n=0 s
  for s in ONSHI_FAILPOINT $POINTS; do grep -qF -- "$s" "$T/strings" && n=$((n + 1)); done
  echo "$n"
}
assert_eq "failpoint strings in tests/bin/orca-onshid-fp" "6" "$(count "$top_builddir/tests/bin/orca-onshid-fp")"
assert_eq "failpoint strings in orca-onshid" "0" "$(count "$top_builddir/orca-onshid")"
assert_eq "failpoint strings in orca-onshi" "0" "$(count "$top_builddir/orca-onshi")"

# Behaviour: the production daemon ignores ONSHI_FAILPOINT (it is not killed; the job ends done).
env_setup 20
sim_start --processing 1 --delay-ms 50
id=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
[ -n "$id" ] || fail "no job queued"
daemon_start ONSHI_FAILPOINT=after_01req
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
kill -0 "$LAST_DAEMON" 2>/dev/null || fail "orca-onshid ended with ONSHI_FAILPOINT set"
ok "orca-onshid with ONSHI_FAILPOINT=after_01req ran job $id to done and still runs"
daemon_stop_all
echo "1 passed, 0 failed"
