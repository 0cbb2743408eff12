# For the browser tests (source after env.sh): Debian's chromium driven by playwright-core from npm.
#   browser_deps        checks chromium and node; installs playwright-core once (tests/browser/package-lock.json),
#                       under a lock: several browser tests may start at the same time
#   wait_web BASE CODES until BASE/api/session answers one of CODES (e.g. "200 401"); https: trusts
#                       $WEB_CACERT when set
browser_deps() {
  [ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (scripts/deps.sh installs it)"
  command -v node >/dev/null || fail "node is missing"
  (
    flock -w 600 8 || exit 1
    [ -d "$top_srcdir/tests/browser/node_modules/playwright-core" ] ||
      npm install --prefix "$top_srcdir/tests/browser" --no-audit --no-fund >&2
  ) 8> /tmp/orca-onshi-npm.lock || fail "npm install of playwright-core"
}

wait_web() {
  local base=$1 codes=" $2 " i code
  for i in $(seq 1 100); do
    code=$(curl -s ${WEB_CACERT:+--cacert "$WEB_CACERT"} -o /dev/null -w '%{http_code}' "$base/api/session" 2>/dev/null || true)
    case $codes in *" $code "*) ok "orca-onshid serves the screens on $base"; return 0 ;; esac
    sleep 0.1
  done
  cat "$T/daemon.log" >&2
  fail "orca-onshid does not serve $base/api/session"
}
