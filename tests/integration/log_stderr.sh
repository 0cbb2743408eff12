#!/usr/bin/env bash
# Every log message goes to stderr, never stdout: the CLI's stdout is data (p031 --format tsv, jobs,
# a fetch's summary) and a log line there corrupts a pipe. With G_MESSAGES_DEBUG=all (info and debug
# shown) the CLI's stdout is exactly what it is without, and the info lines are on stderr; the daemon
# (--verbose) writes nothing at all on stdout while its info lines are on stderr.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60
sim_start --processing 0 --delay-ms 10
held=$(expect_where 'c_treatment == "homecare"' c_held)
[ "$held" -gt 0 ] || fail "the population holds no 訪問診療 unit for review: nothing would log at info level"

# GLib's standard-streams line: "orca-onshi-INFO: 12:00:00.000: ..." (any domain, any level).
LOGLINE='^(\(process:[0-9]+\): )?[A-Za-z0-9_-]+-(DEBUG|INFO|Message|WARNING|CRITICAL|ERROR)( \*\*)?: '

# ---- the CLI: a fetch that holds units for review (info "unit N held for review") ---------------
rc=0; G_MESSAGES_DEBUG=all onshi fetch --hospnum 1 --kind homecare > "$T/fetch.out" 2> "$T/fetch.err" || rc=$?
[ "$rc" = 0 ] || { cat "$T/fetch.err"; fail "fetch exited $rc"; }
assert_eq "log lines on the fetch's stdout" 0 "$(grep -cE "$LOGLINE" "$T/fetch.out" || true)"
# What the fetch prints and nothing else: "job N 正常終了 ...", the counts and the note on held units.
assert_eq "stdout lines other than the fetch's own" 0 "$(grep -cvE '^(job [0-9]+ 正常終了 |対象 |外字などで保留した方が )' "$T/fetch.out" || true)"
assert_eq "the fetch's own lines" 3 "$(wc -l < "$T/fetch.out")"
grep -qE 'orca-onshi-INFO: .*held for review' "$T/fetch.err" || { cat "$T/fetch.err"; fail "no info line on stderr: nothing was logged"; }
ok "the fetch logged at info level (on stderr)"

# ---- the CLI's data commands: stdout byte for byte the same with and without debug logging -------
for cmd in "p031 --hospnum 1 --format tsv --all" "jobs" "review --hospnum 1"; do
  # shellcheck disable=SC2086
  onshi $cmd > "$T/plain.out" 2>/dev/null || fail "$cmd"
  # shellcheck disable=SC2086
  G_MESSAGES_DEBUG=all onshi $cmd > "$T/debug.out" 2> "$T/debug.err" || fail "$cmd with G_MESSAGES_DEBUG=all"
  [ -s "$T/plain.out" ] || fail "$cmd printed nothing: nothing to compare"
  cmp -s "$T/plain.out" "$T/debug.out" || { diff "$T/plain.out" "$T/debug.out" | head; fail "$cmd: stdout differs with G_MESSAGES_DEBUG=all"; }
  ok "$cmd: stdout the same with G_MESSAGES_DEBUG=all ($(wc -l < "$T/debug.out") lines)"
done

# ---- the daemon: --verbose, stdout and stderr apart --------------------------------------------------
"$top_builddir/orca-onshid" --config "$CONF" --verbose > "$T/daemon.out" 2> "$T/daemon.err" &
DAEMON_PIDS+=($!)
onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-40 days' +%Y%m%d)" --queue > /dev/null 2>&1 || fail "queueing a job"
wait_sql "SELECT count(*) = 2 FROM onshi.job WHERE state = 'done'" 60
daemon_stop_all
grep -qE 'orca-onshi-INFO: .*job [0-9]+ done' "$T/daemon.err" || { cat "$T/daemon.err" "$T/daemon.out"; fail "the daemon's info lines are not on stderr"; }
ok "the daemon's info lines are on stderr"
assert_eq "bytes the daemon wrote on stdout" 0 "$(stat -c %s "$T/daemon.out")"
echo "1 passed, 0 failed"
