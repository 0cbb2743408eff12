#!/usr/bin/env bash
# The Debian packages, on this machine: builds orca-onshi and orca-onshi-sim (dpkg-buildpackage,
# nocheck) from a clean copy of the tree, runs lintian (no error, no warning), installs them with
# apt-get, checks the user, the modes, the conffile, `orca-onshi --version`, the postinst's schema
# migration (and its advice when the database is unreachable), `orca-onshi doctor` and the installed
# daemon (screens from /usr/share/orca-onshi/screens, SIGHUP) against a throwaway PostgreSQL with
# the ORCA stand-in, `systemd-analyze verify`/`security` on the unit, then purges: nothing is left in
# /etc/orca-onshi or /var/lib/orca-onshi, and ORCA's tables have every row they had.
#
# It installs packages, so it runs only as root and only when ONSHI_PACKAGE_TEST=1 (scripts/test.sh
# sets it; `make check`, and so the package build's own check, skip it: exit 77).
# ONSHI_DEB_DIR=DIR uses the .debs already built in DIR instead of building them.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

skip() { echo "SKIP: $*"; exit 77; }
[ "${ONSHI_PACKAGE_TEST:-}" = 1 ] || skip "the package test runs with ONSHI_PACKAGE_TEST=1 (scripts/test.sh)"
[ "$(id -u)" = 0 ] || skip "the package test installs packages: run it as root"
for c in dpkg-buildpackage dh apt-get lintian; do command -v "$c" >/dev/null || skip "$c is missing (scripts/deps.sh installs it)"; done

. "$top_srcdir/tests/lib/pg.sh"
T=$(mktemp -d /tmp/onshi-pkg.XXXXXX)
DAEMON_PID=
CREATED_ORCA_GROUP=
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o Dpkg::Use-Pty=0"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
assert_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; ok "$1 = $3"; }
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed\|config-files'; }
purge_all() {
  local p pkgs=
  for p in orca-onshi orca-onshi-sim; do installed "$p" && pkgs="$pkgs $p"; done
  # shellcheck disable=SC2086
  [ -z "$pkgs" ] || $APT purge $pkgs >> "$T/apt.log" 2>&1
}
cleanup() {
  local rc=$?
  if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
  purge_all || echo "cleanup: purge failed (see $T/apt.log)" >&2
  [ -n "$CREATED_ORCA_GROUP" ] && groupdel orca 2>/dev/null
  pg_stop
  if [ "$rc" != 0 ] && [ -f "$T/apt.log" ]; then echo "--- apt log:" >&2; tail -n 40 "$T/apt.log" >&2; fi
  if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

# A package from an earlier run (or by hand) would hide what this one does: purge it first.
purge_all

# --- Build from a clean copy: the committed files (and, in a work tree, their edits), nothing built.
if [ -n "${ONSHI_DEB_DIR:-}" ]; then
  DEBS=$ONSHI_DEB_DIR
else
  mkdir -p "$T/build/src"
  if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top_srcdir" && { git ls-files; git ls-files --others --exclude-standard; } | sort -u |
      while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done | tar -cf - -T -) | tar -xf - -C "$T/build/src"
  else
    cp -a "$top_srcdir/." "$T/build/src"
  fi
  [ ! -e "$T/build/src/Makefile" ] && [ ! -e "$T/build/src/orca-onshi" ] || fail "the build copy has built files"
  start=$(date +%s)
  (cd "$T/build/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b -Pnocheck) \
    > "$T/build.log" 2>&1 || { tail -n 60 "$T/build.log" >&2; fail "dpkg-buildpackage failed"; }
  echo "package build (dpkg-buildpackage -b, nocheck): $(( $(date +%s) - start )) s"
  DEBS=$T/build
fi
deb() { ls "$DEBS"/"$1"_*.deb | grep -v dbgsym | head -n 1; }
MAIN=$(deb orca-onshi); SIMDEB=$(deb orca-onshi-sim)
[ -f "$MAIN" ] && [ -f "$SIMDEB" ] || fail "no .deb in $DEBS"
VERSION=$(dpkg-deb -f "$MAIN" Version)
ok "built $(basename "$MAIN") and $(basename "$SIMDEB")"

# --- lintian: no error, no warning (overrides in debian/*.lintian-overrides carry their reason).
lintian --display-info "$DEBS"/*.changes > "$T/lintian.out" 2>&1 || true
sed -n 's/^\([EWIPX]: \)/    lintian: \1/p' "$T/lintian.out"
! grep -qE '^[EW]: ' "$T/lintian.out" || { cat "$T/lintian.out"; fail "lintian reports errors or warnings"; }
ok "lintian: $(grep -cE '^[EW]: ' "$T/lintian.out") errors/warnings, $(grep -cE '^I: ' "$T/lintian.out") info"

# The main package never pulls in the simulators.
# (listings captured first: grep -q closing a live pipe would, under pipefail, turn a find into a pass)
! grep -q 'orca-onshi-sim' <<< "$(dpkg-deb -f "$MAIN" Depends Recommends Suggests)" || fail "orca-onshi refers to orca-onshi-sim"
! grep -q 'card-sim\|onshi-sim\|make-test-card' <<< "$(dpkg-deb -c "$MAIN")" || fail "a simulator is in orca-onshi"

# --- ORCA's group exists on a jma-receipt machine: the daemon's user joins it.
if ! getent group orca >/dev/null; then groupadd --system orca; CREATED_ORCA_GROUP=1; fi

# --- A throwaway ORCA database (stand-in tables).
pg_start "$T/pg"
psql -Xq -v ON_ERROR_STOP=1 -f "$top_srcdir/sql/orca/orca_standin.sql" >/dev/null
DBENV=(PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGDATABASE="$PGDATABASE")

# --- Install with no reachable database: the install succeeds and says what to do.
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE PGHOST=/nonexistent $APT install "$MAIN" "$SIMDEB" > "$T/install1.log" 2>&1 \
  || { cat "$T/install1.log" >&2; fail "apt-get install failed"; }
grep -q 'the module schema was not created or updated' "$T/install1.log" || { cat "$T/install1.log"; fail "postinst gave no advice"; }
grep -q 'orca-onshi db migrate' "$T/install1.log" || fail "postinst does not name orca-onshi db migrate"
ok "installed with the database unreachable: postinst says to run orca-onshi db migrate"
assert_eq "orca-onshi --version" "orca-onshi $VERSION" "$(orca-onshi --version)"
assert_eq "orca-onshid --version" "orca-onshid $VERSION" "$(/usr/sbin/orca-onshid --version)"
# The kill tests' failpoints are not in the installed programs (only in the test build's daemon).
for b in /usr/sbin/orca-onshid /usr/bin/orca-onshi; do
  assert_eq "ONSHI_FAILPOINT strings in $b" "0" "$(strings -a "$b" | grep -c 'ONSHI_FAILPOINT\|after_01req' || true)"
done
assert_eq "the simulator is installed" /usr/bin/orca-onshi-sim "$(command -v orca-onshi-sim)"
[ -x /usr/share/orca-onshi-sim/make-test-card.sh ] || fail "make-test-card.sh is not installed"
getent passwd orca-onshi >/dev/null || fail "no system user orca-onshi"
assert_eq "orca-onshi's shell" /usr/sbin/nologin "$(getent passwd orca-onshi | cut -d: -f7)"
id -nG orca-onshi | tr ' ' '\n' | grep -qx orca || fail "orca-onshi is not in the group orca: $(id -nG orca-onshi)"
ok "system user orca-onshi, in ORCA's group orca"
assert_eq "/var/lib/orca-onshi" "orca-onshi:orca-onshi 750" "$(stat -c '%U:%G %a' /var/lib/orca-onshi)"
assert_eq "/etc/orca-onshi/secrets" "root:orca-onshi 2750" "$(stat -c '%U:%G %a' /etc/orca-onshi/secrets)"
assert_eq "the conffile's one uncommented key" "listen=127.0.0.1:8931" "$(grep -v '^\s*#' /etc/orca-onshi/orca-onshi.conf | grep '=')"
grep -qx '/etc/orca-onshi/orca-onshi.conf' /var/lib/dpkg/info/orca-onshi.conffiles || fail "orca-onshi.conf is not a conffile"
for f in /usr/share/man/man1/orca-onshi.1.gz /usr/share/man/man5/orca-onshi.conf.5.gz /usr/share/man/man8/orca-onshid.8.gz; do
  [ -f "$f" ] || fail "no $f"
done
[ -f /usr/share/orca-onshi/screens/index.html ] || fail "no screens in /usr/share/orca-onshi/screens"
# The screens' certificate, made at install.
CRT=/etc/orca-onshi/tls/orca-onshi.crt KEY=/etc/orca-onshi/tls/orca-onshi.key
assert_eq "certificate" "root:orca-onshi 644" "$(stat -c '%U:%G %a' "$CRT")"
assert_eq "its key" "root:orca-onshi 640" "$(stat -c '%U:%G %a' "$KEY")"
assert_eq "/etc/orca-onshi/tls" "root:orca-onshi 2750" "$(stat -c '%U:%G %a' /etc/orca-onshi/tls)"
openssl x509 -in "$CRT" -noout -checkend $((3000 * 86400)) >/dev/null || fail "the certificate ends within 3000 days"
assert_eq "the key is the certificate's" "$(openssl x509 -in "$CRT" -noout -pubkey)" "$(openssl pkey -in "$KEY" -pubout)"
openssl x509 -in "$CRT" -noout -ext subjectAltName | grep -q 'DNS:localhost' || fail "the certificate does not name localhost"
CRT_SHA=$(openssl x509 -in "$CRT" -noout -fingerprint -sha256)
ok "a self-signed certificate for the screens, its key 0640 root:orca-onshi"

# --- The synthetic patients, from the installed simulator; ORCA's tables as they are now.
TODAY=$(date +%Y%m%d)
orca-onshi-sim populate --seed 1 --size 20 --hospnum 1 --today "$TODAY" | psql -Xq -v ON_ERROR_STOP=1 >/dev/null
q "INSERT INTO tbl_syskanri (hospnum, kanricd, kbncd, styukymd, edyukymd, kanritbl, termid, opid, creymd, upymd, uphms) VALUES
   (1, '1001', '*', '00000000', '99999999', '模擬診療所', '', '', '$TODAY', '$TODAY', '000000'),
   (1, '1051', '*', '00000000', '99999999', '1' || repeat(' ', 213) || '00', '', '', '$TODAY', '$TODAY', '000000')" >/dev/null
ORCA_BEFORE=$(pg_table_counts public)
[ "$(q 'SELECT count(*) FROM tbl_ptinf')" -gt 0 ] || fail "no patients"

# --- Secrets left with loose modes, then a reinstall with the database reachable: postinst migrates
# the module schema (as orca-onshi) and sets the secrets to 0640 root:orca-onshi.
echo 'not-a-real-password' > /etc/orca-onshi/secrets/facility-1.password
chmod 0644 /etc/orca-onshi/secrets/facility-1.password
printf '' > /etc/orca-onshi/users; chmod 0600 /etc/orca-onshi/users
env "${DBENV[@]}" $APT install --reinstall "$MAIN" > "$T/install2.log" 2>&1 || { cat "$T/install2.log" >&2; fail "reinstall failed"; }
grep -q 'orca-onshi: module schema migrated to version' "$T/install2.log" || { cat "$T/install2.log"; fail "postinst did not migrate"; }
assert_eq "module schema after postinst" t "$(q "SELECT to_regnamespace('onshi') IS NOT NULL")"
assert_eq "a secret's mode after postinst" "root:orca-onshi 640" "$(stat -c '%U:%G %a' /etc/orca-onshi/secrets/facility-1.password)"
assert_eq "the users file's mode after postinst" "root:orca-onshi 640" "$(stat -c '%U:%G %a' /etc/orca-onshi/users)"
rm /etc/orca-onshi/users

assert_eq "the certificate after a reinstall" "$CRT_SHA" "$(openssl x509 -in "$CRT" -noout -fingerprint -sha256)"

# --- A facility in conf.d; doctor against the test database.
mkdir -p "$T/req" "$T/res" "$T/pdf"
chown orca-onshi: "$T/req" "$T/res" "$T/pdf"
PORT=$((20000 + RANDOM % 20000))
cat > /etc/orca-onshi/conf.d/10-facility-1.conf <<CONF
[database]
conninfo=host=$PGHOST port=$PGPORT user=postgres dbname=orca

[web]
listen=127.0.0.1:$PORT

[facility 1]
institution_code=1310000017
transport=folder
req_dir=$T/req
res_dir=$T/res
pdf_dir=$T/pdf
CONF
assert_eq "a file made in /etc/orca-onshi/conf.d has the group" orca-onshi "$(stat -c %G /etc/orca-onshi/conf.d/10-facility-1.conf)"
rc=0; orca-onshi doctor > "$T/doctor.out" 2>&1 || rc=$?
sed 's/^/    /' "$T/doctor.out"
assert_eq "orca-onshi doctor exits" 0 "$rc"
grep -q "^OK   module schema at version" "$T/doctor.out" || fail "doctor: module schema not OK"
grep -q "^OK   \[web\] TLS certificate $CRT is in its dates (36[0-9][0-9] days left) and the key belongs to it" "$T/doctor.out" \
  || fail "doctor: the package's certificate not checked"

# --- The installed daemon as its user: serves the installed screens, reloads on SIGHUP.
setpriv --reuid=orca-onshi --regid=orca-onshi --init-groups /usr/sbin/orca-onshid > "$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$PORT/index.html" > "$T/index.html" || { cat "$T/daemon.log"; fail "the daemon serves no screens"; }
cmp -s "$T/index.html" /usr/share/orca-onshi/screens/index.html || fail "index.html is not the installed one"
ok "orca-onshid (as orca-onshi) serves /usr/share/orca-onshi/screens"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 50); do grep -q 'configuration reloaded' "$T/daemon.log" && break; sleep 0.1; done
grep -q 'configuration reloaded' "$T/daemon.log" || { cat "$T/daemon.log"; fail "no reload on SIGHUP"; }
ok "SIGHUP re-reads the configuration"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "the daemon exited $? on SIGTERM"; DAEMON_PID=
# Off loopback, with no tls_cert set: HTTPS with the package's certificate (the daemon's user reads its key).
sed -i "s/^listen=.*/listen=127.0.0.2:$PORT/" /etc/orca-onshi/conf.d/10-facility-1.conf
setpriv --reuid=orca-onshi --regid=orca-onshi --init-groups /usr/sbin/orca-onshid > "$T/daemon2.log" 2>&1 &
DAEMON_PID=$!
TLSURL=https://localhost:$PORT
for _ in $(seq 1 100); do curl -fsS -o /dev/null --cacert "$CRT" --connect-to "localhost:$PORT:127.0.0.2:$PORT" "$TLSURL/" 2>/dev/null && break; sleep 0.1; done
curl -fsS --cacert "$CRT" --connect-to "localhost:$PORT:127.0.0.2:$PORT" "$TLSURL/login.html" > "$T/login.html" \
  || { cat "$T/daemon2.log"; fail "no HTTPS with the package's certificate"; }
cmp -s "$T/login.html" /usr/share/orca-onshi/screens/login.html || fail "login.html is not the installed one"
grep -q "web: screens at https://127.0.0.2:$PORT/" "$T/daemon2.log" || fail "the daemon does not log its https URL"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "the daemon exited $? on SIGTERM"; DAEMON_PID=
ok "off loopback the installed daemon serves HTTPS with the certificate made at install"

# --- The unit.
UNIT=/lib/systemd/system/orca-onshid.service
[ -f "$UNIT" ] || fail "no $UNIT"
nofile=$(sed -n 's/^LimitNOFILE=//p' "$UNIT")
case $nofile in ''|*[!0-9]*) fail "the unit sets no numeric LimitNOFILE ('$nofile')" ;; esac
[ "$nofile" -ge 8192 ] || fail "LimitNOFILE=$nofile: too small for the screens"
ok "the unit sets LimitNOFILE=$nofile"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$UNIT" > "$T/verify.out" 2>&1 || { cat "$T/verify.out"; fail "systemd-analyze verify"; }
  [ ! -s "$T/verify.out" ] || { cat "$T/verify.out"; fail "systemd-analyze verify complains"; }
  ok "systemd-analyze verify $UNIT"
  systemd-analyze security --offline=true "$UNIT" > "$T/security.out" 2>&1 || true
  level=$(grep 'Overall exposure level' "$T/security.out" | sed 's/.*: //')
  echo "systemd-analyze security: $level"
  case $level in *SAFE*|*" OK"*) ok "exposure level OK or better" ;; *) cat "$T/security.out"; fail "exposure level: $level" ;; esac
else
  echo "systemd-analyze not installed: unit not verified"
fi
[ ! -e /etc/systemd/system/multi-user.target.wants/orca-onshid.service ] || fail "the unit was enabled by the installation"
ok "the unit is installed disabled"

# --- Purge: configuration and state gone, ORCA's tables and the module schema untouched.
$APT purge orca-onshi orca-onshi-sim > "$T/purge.log" 2>&1 || { cat "$T/purge.log" >&2; fail "purge failed"; }
for p in orca-onshi orca-onshi-sim; do ! installed "$p" || fail "$p is still installed"; done
[ ! -e /etc/orca-onshi ] || fail "left after purge: $(find /etc/orca-onshi)"
[ ! -e /var/lib/orca-onshi ] || fail "left after purge: $(find /var/lib/orca-onshi)"
[ ! -e /usr/bin/orca-onshi ] && [ ! -e /usr/sbin/orca-onshid ] && [ ! -e "$UNIT" ] || fail "files left after purge"
ok "purged: nothing in /etc/orca-onshi or /var/lib/orca-onshi"
assert_eq "ORCA's tables after purge" "$ORCA_BEFORE" "$(pg_table_counts public)"
assert_eq "module schema after purge (db drop is separate)" t "$(q "SELECT to_regnamespace('onshi') IS NOT NULL")"
echo "1 passed, 0 failed"
