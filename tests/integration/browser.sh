#!/bin/bash
# The screens end to end in Debian's chromium (playwright-core from npm drives it) against the real
# orca-onshid, the OQS simulator and PostgreSQL: every kind of request from the dialog, results,
# detail with 保険/医療扶助, a held unit accepted, a PDF, the P031 preview, and one request done with the
# keyboard only. Screenshots of each screen go to tests/screenshots/*.png (not committed).
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/browser.sh"
browser_deps

env_setup 60
sim_start --processing 1 --delay-ms 100
web_setup
daemon_start

wait_web "$BASE" "200 401"


SHOTS=${SCREENSHOT_DIR:-$top_srcdir/tests/screenshots}
mkdir -p "$SHOTS"
find "$SHOTS" -maxdepth 1 -name "*.png" ! -name "consent-*" -delete  # consent-*: browser_card.sh
if ! node "$top_srcdir/tests/browser/e2e.mjs" "$BASE" "$SHOTS"; then
  echo "--- daemon log (tail)" >&2; tail -n 40 "$T/daemon.log" >&2
  fail "browser test"
fi

# With users: the login screen, a reception user (no サポート) and an admin.
daemon_stop_all
echo "users_file=$T/users" >> "$CONF"     # [web] is the last group
printf 'reception-pass-1\n' | onshi user add uketsuke --role reception >/dev/null || fail "user add uketsuke"
printf 'admin-pass-1\n' | onshi user add kanri --role admin >/dev/null || fail "user add kanri"
daemon_start
wait_web "$BASE" "200 401"
if ! node "$top_srcdir/tests/browser/login.mjs" "$BASE" "$SHOTS"; then
  echo "--- daemon log (tail)" >&2; tail -n 40 "$T/daemon.log" >&2
  fail "browser login test"
fi
echo "1 passed, 0 failed"
