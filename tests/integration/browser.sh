#!/bin/bash
# The screens end to end in Debian's chromium (playwright-core from npm drives it) against the real
# orca-onshid, the OQS simulator and PostgreSQL: every kind of request from the dialog, results,
# detail with 保険/医療扶助, a held unit accepted, a PDF, the P031 preview, and one request done with the
# keyboard only. Screenshots of each screen go to tests/screenshots/*.png (not committed).
. "$top_srcdir/tests/lib/env.sh"

[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (scripts/deps.sh installs it)"
command -v node >/dev/null || fail "node is missing"

env_setup 60
sim_start --processing 1 --delay-ms 100
PORT=$((20000 + RANDOM % 20000))
cat >> "$CONF" <<CONF

[web]
listen=127.0.0.1:$PORT
static_dir=$top_srcdir/screens
CONF
daemon_start
BASE=http://127.0.0.1:$PORT

# wait_web: until /api/session answers (200, or 401 once users must log in).
wait_web() {
  local i code
  for i in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/session" 2>/dev/null || true)
    case $code in 200|401) ok "orca-onshid serves the screens on $BASE"; return 0 ;; esac
    sleep 0.1
  done
  cat "$T/daemon.log" >&2
  fail "orca-onshid does not serve $BASE/api/session"
}
wait_web

if [ ! -d "$top_srcdir/tests/browser/node_modules/playwright-core" ]; then
  npm install --prefix "$top_srcdir/tests/browser" --no-audit --no-fund >&2 || fail "npm install of playwright-core"
fi

SHOTS=${SCREENSHOT_DIR:-$top_srcdir/tests/screenshots}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
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
wait_web
if ! node "$top_srcdir/tests/browser/login.mjs" "$BASE" "$SHOTS"; then
  echo "--- daemon log (tail)" >&2; tail -n 40 "$T/daemon.log" >&2
  fail "browser login test"
fi
echo "1 passed, 0 failed"
