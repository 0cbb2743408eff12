#!/usr/bin/env bash
# The screens' web server: sessions, CSRF, security headers, login off loopback, roles, audit, and
# that no password reaches the users file or the log.
. "$top_srcdir/tests/lib/env.sh"
env_setup 30
sim_start --processing 0 --delay-ms 20
command -v curl >/dev/null || fail "curl is not installed"

PORT=$((20000 + RANDOM % 20000))
USERS=$T/users
cat >> "$CONF" <<CONF

[web]
listen=127.0.0.1:$PORT
users_file=$USERS
static_dir=$top_srcdir/screens
CONF

# wait_http URL: until the server answers.
wait_http() {
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  fail "no answer from $1"
}
JAR=$T/cookies
# api METHOD PATH [curl args...]: prints the body, then the status on the last line.
api() {
  local m=$1 p=$2; shift 2
  curl -s -b "$JAR" -c "$JAR" -X "$m" -w '\n%{http_code}' "$@" "$BASE$p"
}
status_of() { tail -n 1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$2" | head -n 1; }
json_num() { sed -n "s/.*\"$1\":\\([0-9-]*\\).*/\\1/p" <<<"$2" | head -n 1; }

# ---- 127.0.0.1, no users file: user local, admin ----
BASE=http://127.0.0.1:$PORT
daemon_start
wait_http "$BASE/api/session"
grep -q "web: screens at http://127.0.0.1:$PORT/" "$T/daemon.log" || fail "the daemon does not log its URL"
ok "daemon logs its URL"
r=$(api GET /api/session)
assert_eq "session on loopback" 200 "$(status_of "$r")"
assert_eq "loopback user" local "$(json_field user "$r")"
assert_eq "loopback role" admin "$(json_field role "$r")"
CSRF=$(json_field csrf "$r")
[ ${#CSRF} = 64 ] || fail "csrf token '$CSRF'"
grep -q "onshi_session" "$JAR" || fail "no session cookie"
hdrs=$(curl -s -D - -o /dev/null -b "$JAR" "$BASE/api/session")
grep -qi '^Set-Cookie' <<<"$hdrs" && fail "a known session gets a new cookie"
set_cookie=$(curl -s -D - -o /dev/null "$BASE/api/session" | grep -i '^Set-Cookie:')
grep -q 'HttpOnly' <<<"$set_cookie" && grep -q 'SameSite=Strict' <<<"$set_cookie" && grep -q 'Path=/' <<<"$set_cookie" \
  || fail "cookie attributes: $set_cookie"
ok "session cookie HttpOnly, SameSite=Strict, Path=/"

for url in /api/session /api/jobs /nonexistent.html /api/nothing; do
  h=$(curl -s -D - -o /dev/null -b "$JAR" "$BASE$url")
  for want in 'Cache-Control: no-store' 'X-Content-Type-Options: nosniff' 'X-Frame-Options: DENY' 'Referrer-Policy: no-referrer' \
              "Content-Security-Policy: default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"; do
    grep -qiF "$want" <<<"$h" || fail "$url: no '$want'"
  done
done
ok "security headers on every response"

# Static files: only under static_dir, no ..
assert_eq "path traversal" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$BASE/../../etc/passwd")"
assert_eq "encoded traversal" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$BASE/%2e%2e/%2e%2e/etc/passwd")"

# CSRF: a POST without the token is refused and creates nothing.
r=$(api POST /api/jobs -d hospnum=1 -d kind=homecare)
assert_eq "POST without X-CSRF-Token" 403 "$(status_of "$r")"
r=$(api POST /api/jobs -H "X-CSRF-Token: ${CSRF/a/b}x" -d hospnum=1 -d kind=homecare)
assert_eq "POST with a wrong X-CSRF-Token" 403 "$(status_of "$r")"
assert_eq "no job from refused POSTs" 0 "$(q "SELECT count(*) FROM onshi.job")"
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -H "Origin: http://evil.example" -d hospnum=1 -d kind=homecare)
assert_eq "cross-origin POST" 403 "$(status_of "$r")"
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d kind=homecare -d consent_from=2020-01-01)
assert_eq "bad date" 400 "$(status_of "$r")"
assert_eq "bad date: field" consent_from "$(json_field field "$r")"
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d kind=homecare -d consent_from=20200101 -d consent_to="$TODAY")
assert_eq "POST /api/jobs with the token" 200 "$(status_of "$r")"
id=$(json_num id "$r")
[ -n "$id" ] || fail "no id in $r"
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
ok "job $id created through the API and finished by the daemon"
assert_eq "job rows" "$(expected_rows homecare)" "$(q "SELECT rows_written FROM onshi.job WHERE id = $id")"
r=$(api GET "/api/jobs?hospnum=1&filter=done")
grep -q "\"id\":$id," <<<"$r" || fail "job $id not in the done list"
grep -q '"state_label":"完了"' <<<"$r" || fail "no 完了 label"
r=$(api GET "/api/jobs/$id/units")
assert_eq "units" 200 "$(status_of "$r")"
r=$(api GET "/api/p031?hospnum=1")
assert_eq "p031" 200 "$(status_of "$r")"
assert_eq "audit of the local POST" 1 "$(q "SELECT count(*) FROM onshi.web_audit WHERE usr = 'local' AND action = '/api/jobs'")"
daemon_stop_all

# ---- another address: login required ----
RECEPTION_PW='Reception-Secret-7f3a'
ADMIN_PW='Admin-Secret-9c1e'
printf '%s\n' "$RECEPTION_PW" | onshi user add uketsuke --role reception >/dev/null
printf '%s\n' "$ADMIN_PW" | onshi user add kanri --role admin >/dev/null
assert_eq "users file mode" 640 "$(stat -c %a "$USERS")"
grep -qF "$RECEPTION_PW" "$USERS" && fail "the users file holds a password"
grep -qF "$ADMIN_PW" "$USERS" && fail "the users file holds a password"
grep -q '^uketsuke:reception:\$y\$' "$USERS" || fail "users file: $(cat "$USERS")"
ok "users file: yescrypt hashes, no password text, mode 0640"
printf '%s\n' "$ADMIN_PW" | onshi user add kanri --role admin >/dev/null 2>&1 && fail "user add twice"
onshi user add nopw --role admin </dev/null >/dev/null 2>&1 && fail "user add without a password"
printf 'x\n' | onshi user add temp --role admin >/dev/null 2>&1 && fail "a short password was taken"
printf '%s\n' "Temp-Password-1" | onshi user add temp --role reception >/dev/null
onshi user del temp >/dev/null
grep -q '^temp:' "$USERS" && fail "user del"
ok "user add refuses duplicates and short passwords; user del"

sed -i "s/^listen=.*/listen=127.0.0.2:$PORT/" "$CONF"
BASE=http://127.0.0.2:$PORT
rm -f "$JAR"
daemon_start
wait_http "$BASE/api/session"
r=$(api GET /api/jobs)
assert_eq "GET /api/jobs without login" 401 "$(status_of "$r")"
r=$(api GET /api/session)
assert_eq "session without login" 401 "$(status_of "$r")"
grep -q '"login_required":true' <<<"$r" || fail "no login_required: $r"
assert_eq "index.html without login" 302 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/index.html")"
r=$(api POST /api/login --data-urlencode user=uketsuke --data-urlencode "password=wrong-password")
assert_eq "login with a wrong password" 401 "$(status_of "$r")"
r=$(api POST /api/login --data-urlencode user=nobody --data-urlencode "password=$RECEPTION_PW")
assert_eq "login as an unknown user" 401 "$(status_of "$r")"
r=$(api POST /api/login --data-urlencode user=uketsuke --data-urlencode "password=$RECEPTION_PW")
assert_eq "login as reception" 200 "$(status_of "$r")"
assert_eq "reception role" reception "$(json_field role "$r")"
RCSRF=$(json_field csrf "$r")
RJAR=$T/cookies.reception; cp "$JAR" "$RJAR"
r=$(api GET "/api/jobs?hospnum=1")
assert_eq "reception: GET /api/jobs" 200 "$(status_of "$r")"
r=$(api GET /api/session)
assert_eq "reception: session" uketsuke "$(json_field user "$r")"
r=$(api GET /api/admin/config)
assert_eq "reception: GET /api/admin/config" 403 "$(status_of "$r")"
r=$(api GET /api/admin/doctor)
assert_eq "reception: GET /api/admin/doctor" 403 "$(status_of "$r")"
r=$(api POST /api/jobs -H "X-CSRF-Token: $RCSRF" -d hospnum=1 -d kind=welfare)
assert_eq "reception: POST /api/jobs with CSRF" 200 "$(status_of "$r")"
rid=$(json_num id "$r")
assert_eq "audit names the user" 1 "$(q "SELECT count(*) FROM onshi.web_audit WHERE usr = 'uketsuke' AND action = '/api/jobs' AND detail LIKE 'job $rid %'")"
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $rid" 60
ok "reception's job $rid finished"

rm -f "$JAR"
r=$(api POST /api/login --data-urlencode user=kanri --data-urlencode "password=$ADMIN_PW")
assert_eq "login as admin" 200 "$(status_of "$r")"
ACSRF=$(json_field csrf "$r")
r=$(api GET /api/admin/config)
assert_eq "admin: GET /api/admin/config" 200 "$(status_of "$r")"
grep -q '"conninfo":"host=' <<<"$r" || fail "no conninfo: $r"
r=$(api GET /api/admin/doctor)
assert_eq "admin: GET /api/admin/doctor" 200 "$(status_of "$r")"
grep -q '"lines":\["OK   database orca reachable' <<<"$r" || fail "doctor: $r"
r=$(api GET /api/admin/errors)
assert_eq "admin: GET /api/admin/errors" 200 "$(status_of "$r")"
r=$(api POST /api/logout -H "X-CSRF-Token: $ACSRF")
assert_eq "logout" 200 "$(status_of "$r")"
r=$(api GET /api/admin/config)
assert_eq "after logout" 401 "$(status_of "$r")"
# A body beyond 64 KiB is refused before it is read.
head -c 100000 /dev/zero | tr '\0' a > "$T/big"
assert_eq "large POST" 413 "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big" "$BASE/api/login")"
# Guessing: after 10 failures from one address, logins are refused for a while, even the right one.
for i in $(seq 1 10); do api POST /api/login --data-urlencode user=kanri --data-urlencode "password=guess-$i" >/dev/null; done
r=$(api POST /api/login --data-urlencode user=kanri --data-urlencode "password=$ADMIN_PW")
assert_eq "login after 10 failures" 429 "$(status_of "$r")"
daemon_stop_all

# The conninfo password is masked: a configuration with one (libpq ignores it under trust).
sed -i "s/^conninfo=.*/& password=Db-Secret-42/" "$CONF"
daemon_start
wait_http "$BASE/api/session"
rm -f "$JAR"
api POST /api/login --data-urlencode user=kanri --data-urlencode "password=$ADMIN_PW" >/dev/null
r=$(api GET /api/admin/config)
assert_eq "admin config with a db password" 200 "$(status_of "$r")"
grep -q 'Db-Secret-42' <<<"$r" && fail "the conninfo password is shown: $r"
grep -q 'password=\*\*\*' <<<"$r" || fail "no masked password: $r"
ok "conninfo password masked"
daemon_stop_all

for pw in "$RECEPTION_PW" "$ADMIN_PW" wrong-password; do
  grep -qF -- "$pw" "$T/daemon.log" && fail "a password is in the daemon log"
done
grep -q "failed login for 'uketsuke'" "$T/daemon.log" || fail "no failed-login line in the log"
ok "no password in the daemon log"
echo "1 passed, 0 failed"
