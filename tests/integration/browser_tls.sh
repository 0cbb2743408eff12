#!/bin/bash
# The screens off loopback over TLS in Debian's chromium: the certificate the package makes at install
# (scripts/make-tls-cert.sh, the same script) trusted by the test through its public key; a login and
# a job; and Chromium refusing the certificate while it is not trusted.
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/browser.sh"
browser_deps

env_setup 30
sim_start --processing 0 --delay-ms 20
PORT=$(free_port)
sh "$top_srcdir/scripts/make-tls-cert.sh" "$T/tls/web.crt" "$T/tls/web.key" 127.0.0.2 >/dev/null
cat >> "$CONF" <<CONF

[web]
listen=127.0.0.2:$PORT
static_dir=$top_srcdir/screens
users_file=$T/users
tls_cert=$T/tls/web.crt
tls_key=$T/tls/web.key
CONF
printf 'Reception-Tls-Pass-3\n' | onshi user add uketsuke --role reception >/dev/null || fail "user add"
daemon_start
BASE=https://127.0.0.2:$PORT
WEB_CACERT=$T/tls/web.crt wait_web "$BASE" "401"
SPKI=$(openssl x509 -in "$T/tls/web.crt" -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
if ! node "$top_srcdir/tests/browser/tls.mjs" "$BASE" "$SPKI" uketsuke Reception-Tls-Pass-3; then
  echo "--- daemon log (tail)" >&2; tail -n 40 "$T/daemon.log" >&2
  fail "browser TLS test"
fi
assert_eq "the job by uketsuke" 1 "$(q "SELECT count(*) FROM onshi.job WHERE opid = 'uketsuke' AND state = 'done'")"
echo "1 passed, 0 failed"
