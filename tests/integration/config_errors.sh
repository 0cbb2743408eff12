#!/usr/bin/env bash
# Configuration errors name the file, group and key; conf.d files apply in lexical order, later wins.
set -euo pipefail
top_builddir=${top_builddir:-.}
ONSHI=$top_builddir/orca-onshi
T=$(mktemp -d /tmp/onshi-conf.XXXXXX); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$T/conf.d"
good() { printf '[database]\nconninfo=host=/nonexistent\n\n[facility 1]\ninstitution_code=1310000017\nreq_dir=/tmp/r\nres_dir=/tmp/s\n'; }

expect_error() {  # WHAT PATTERN
  set +e; out=$("$ONSHI" --config "$T/main.conf" jobs 2>&1); rc=$?; set -e
  [ "$rc" = 78 ] || fail "$1: exit $rc, not 78: $out"
  echo "$out" | grep -qF -- "$2" || fail "$1: message '$out' does not contain '$2'"
  echo "ok - $1: $out"
}

good > "$T/main.conf"; printf '[facility 1]\ninstitution_code=12345\n' > "$T/conf.d/10-bad.conf"
expect_error "short institution code" "$T/conf.d/10-bad.conf: [facility 1] institution_code: '12345' is not 10 digits"
printf '[facility 1]\ninstitution_code=1310000017\n' > "$T/conf.d/20-fix.conf"
set +e; out=$("$ONSHI" --config "$T/main.conf" jobs 2>&1); rc=$?; set -e
[ "$rc" = 5 ] || fail "later conf.d file should win (expected a database error, got $rc: $out)"
echo "ok - conf.d: later file wins"
rm -f "$T"/conf.d/*
good > "$T/main.conf"; printf 'colour=blue\n' >> "$T/main.conf"
expect_error "unknown key" "[facility 1] colour: unknown key"
good > "$T/main.conf"; printf '\n[facilty 2]\nx=1\n' >> "$T/main.conf"
expect_error "unknown group" "[facilty 2]: unknown group"
good > "$T/main.conf"; printf 'poll_interval_ms=fast\n' >> "$T/main.conf"
expect_error "bad number" "[facility 1] poll_interval_ms: 'fast' is not a whole number"
good > "$T/main.conf"; printf 'transport=carrier-pigeon\n' >> "$T/main.conf"
expect_error "bad transport" "[facility 1] transport: 'carrier-pigeon' is not one of: folder"
good > "$T/main.conf"; sed -i 's|req_dir=/tmp/r|req_dir=relative/r|' "$T/main.conf"
expect_error "relative folder" "[facility 1] req_dir: 'relative/r' is not an absolute path"
good > "$T/main.conf"; printf '\n[web]\nlisten=8931\n' >> "$T/main.conf"
expect_error "web listen without host" "[web] listen: '8931' is not host:port"
good > "$T/main.conf"; printf '\n[web]\nport=8931\n' >> "$T/main.conf"
expect_error "web unknown key" "[web] port: unknown key"
good > "$T/main.conf"; printf '\n[web]\nusers_file=users\n' >> "$T/main.conf"
expect_error "web relative users_file" "[web] users_file: 'users' is not an absolute path"
good > "$T/main.conf"; printf '\n[web]\nserver_names=orca-server http://evil/\n' >> "$T/main.conf"
expect_error "web server_names with a URL" "[web] server_names: 'orca-server http://evil/' is not a list of host names"
good > "$T/main.conf"; printf '\n[web]\ntls_cert=web.crt\ntls_key=/etc/web.key\n' >> "$T/main.conf"
expect_error "web relative tls_cert" "[web] tls_cert: 'web.crt' is not an absolute path"
good > "$T/main.conf"; printf '\n[web]\nwrite_timeout_s=0\n' >> "$T/main.conf"
expect_error "web write_timeout_s 0" "[web] write_timeout_s: 0 is out of range 1-3600"
good > "$T/main.conf"; printf '\n[web]\ntls_cert=/etc/web.crt\n' >> "$T/main.conf"
expect_error "web tls_cert without tls_key" "[web] tls_key: tls_cert and tls_key go together"
set +e; out=$(ORCA_ONSHI_CONFIG=$T/missing.conf "$ONSHI" jobs 2>&1); rc=$?; set -e
[ "$rc" = 78 ] && echo "$out" | grep -qF "$T/missing.conf" || fail "ORCA_ONSHI_CONFIG not honoured: $out"
echo "ok - ORCA_ONSHI_CONFIG names the file"
echo "1 passed, 0 failed"
