#!/usr/bin/env bash
# The screens' web server: sessions, CSRF, security headers, login off loopback, roles, audit, and
# that no password reaches the users file or the log.
. "$top_srcdir/tests/lib/env.sh"
env_setup 30
sim_start --processing 0 --delay-ms 20
command -v curl >/dev/null || fail "curl is not installed"

PORT=$(free_port)
USERS=$T/users
mkdir -p "$T/req2" "$T/res2"
cat >> "$CONF" <<CONF

[facility 2]
institution_code=1310000002
req_dir=$T/req2
res_dir=$T/res2

[web]
listen=127.0.0.1:$PORT
users_file=$USERS
static_dir=$top_srcdir/screens
CONF

# wait_http URL: until the server answers.
wait_http() {
  local i
  for i in $(seq 1 100); do
    curl -s "${TLS_OPTS[@]}" -o /dev/null "$1" && return 0
    sleep 0.1
  done
  fail "no answer from $1"
}
JAR=$T/cookies
TLS_OPTS=()
# api METHOD PATH [curl args...]: prints the body, then the status on the last line.
api() {
  local m=$1 p=$2; shift 2
  curl -s "${TLS_OPTS[@]}" -b "$JAR" -c "$JAR" -X "$m" -w '\n%{http_code}' "$@" "$BASE$p"
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

# DNS rebinding: a Host that is not ours gets 421 on every endpoint, and neither a session nor a cookie.
for ep in "GET /" "GET /index.html" "GET /login.html" "GET /style.css" "GET /api/session" "GET /api/jobs" "GET /api/facilities" \
          "GET /api/p031?hospnum=1" "GET /api/admin/config" "GET /api/admin/doctor" "GET /api/jobs/1" "GET /api/jobs/1/units" \
          "GET /api/pdf/1" "POST /api/jobs" "POST /api/login" "POST /api/logout" "POST /api/pdf" "POST /api/card/consent" \
          "POST /api/review/1/accept" "PUT /api/jobs"; do
  for host in "evil.example:$PORT" "127.0.0.1.evil.example:$PORT" "127.0.0.1:$((PORT + 1))" "localhost"; do
    h=$(curl -s -D - -o "$T/rebind.body" -X "${ep%% *}" -H "Host: $host" -H "X-CSRF-Token: $CSRF" -b "$JAR" -d hospnum=1 -d kind=homecare \
        "$BASE${ep#* }")
    code=$(head -n 1 <<<"$h" | cut -d' ' -f2)
    assert_eq "$ep with Host '$host'" 421 "$code" >/dev/null
    grep -qi '^Set-Cookie' <<<"$h" && fail "$ep with Host '$host': a cookie"
    grep -q csrf "$T/rebind.body" && fail "$ep with Host '$host': a session"
  done
done
assert_eq "no job from rebinding requests" 0 "$(q "SELECT count(*) FROM onshi.job")"
ok "a rebinding Host is refused (421, no session, no cookie) on every endpoint"
for host in "localhost:$PORT" "LOCALHOST:$PORT" "127.0.0.1:$PORT"; do
  assert_eq "Host $host" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" -b "$JAR" "$BASE/api/session")"
done
# [web] server_names: a name of the clinic's is ours after a reload.
assert_eq "Host onshi.test before server_names" 421 "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: onshi.test:$PORT" "$BASE/api/session")"
echo "server_names=onshi.test" >> "$CONF"  # [web] is the last group
kill -HUP "$LAST_DAEMON"
for _ in $(seq 1 50); do [ "$(grep -c 'configuration reloaded' "$T/daemon.log")" -ge 1 ] && break; sleep 0.1; done
assert_eq "Host onshi.test in server_names" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: onshi.test:$PORT" -b "$JAR" "$BASE/api/session")"
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -H "Origin: http://onshi.test:$PORT" -d hospnum=1 -d kind=homecare -d consent_from=2020-01-01)
assert_eq "Origin onshi.test: past the Origin check (400 for the date)" 400 "$(status_of "$r")"
# The Origin is compared with our names, not with the Host as sent.
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -H "Origin: http://localhost:$((PORT + 1))" -d hospnum=1 -d kind=homecare)
assert_eq "Origin with another port" 403 "$(status_of "$r")"
# A form or query value with a NUL: refused, nothing created.
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d 'kind=homecare%00x' -d consent_from=20200101 -d consent_to="$TODAY")
assert_eq "NUL in a form value" 400 "$(status_of "$r")"
assert_eq "NUL in a query value" 400 "$(status_of "$(api GET '/api/jobs?hospnum=1%00')")"
assert_eq "no job from NUL requests" 0 "$(q "SELECT count(*) FROM onshi.job")"
# Strict numbers: no leading zeros.
r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -d hospnum=01 -d kind=homecare)
assert_eq "hospnum 01" 400 "$(status_of "$r")"
# The session table: cookie-less requests do not evict the session in use, even when it is the least
# recently seen (sessions are seen to the second: the flood starts 2 s after its last use) and there are
# more of them than the table holds.
api GET /api/session >/dev/null
sleep 2
for i in $(seq 1 12000); do echo "url = \"$BASE/api/session\""; echo "output = /dev/null"; done > "$T/many.curl"
curl -s -K "$T/many.curl"
r=$(api GET /api/session)
assert_eq "session after 12,000 cookie-less requests" "$CSRF" "$(json_field csrf "$r")"
ok "12,000 cookie-less requests leave the session in use alone"

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
r=$(api GET "/api/jobs/0$id")
assert_eq "job id with a leading zero" 404 "$(status_of "$r")"
r=$(api GET "/api/jobs/99999999999999999999")
assert_eq "job id beyond bigint" 404 "$(status_of "$r")"
r=$(api GET "/api/jobs/$id/units/01")
assert_eq "unit seq with a leading zero" 404 "$(status_of "$r")"
# A patient number with spaces around it is the same patient: the same PDF job.
drug=$(q "SELECT trim(n.ptnum) FROM tbl_onshi_kaku k JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid
          WHERE k.card_class <> 'A1' AND k.yakuzai_douiflg = '1' ORDER BY 1 LIMIT 1")
[ -n "$drug" ] || fail "no patient with 薬剤 consent"
r=$(api POST /api/pdf -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d type=drug --data-urlencode "patient=$drug")
assert_eq "PDF request" 200 "$(status_of "$r")"
PDFJOB=$(json_num id "$r")
r=$(api POST /api/pdf -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d type=drug --data-urlencode "patient= $drug   ")
assert_eq "PDF request with spaces" 200 "$(status_of "$r")"
# The same job while the first is open; either way one patient number, trimmed, in every PDF job.
assert_eq "PDF jobs' patient numbers" "$drug" "$(q "SELECT string_agg(DISTINCT params->>'ptnum', '|') FROM onshi.job WHERE kind = 'pdf_drug'")"
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $PDFJOB" 60
assert_eq "local admin: the PDF" 200 "$(status_of "$(api GET /api/pdf/$PDFJOB)")"
# Local-mode sessions end when users appear.
printf '%s\n' 'Temp-Password-1' | onshi user add first --role admin >/dev/null
r=$(api GET /api/jobs)
assert_eq "local session after a user was added" 401 "$(status_of "$r")"
onshi user del first >/dev/null
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
for weak in password1234 aaaaaaaaA1 Temp-password-1x; do
  printf '%s\n' "$weak" | onshi user add temp --role admin >/dev/null 2>&1 && fail "a weak password was taken: $weak"
done
printf '%s\n' "Other-Password-1" | onshi user add temp --role admin --facilities 3 >/dev/null 2>&1 && fail "an unconfigured facility was taken"
printf '%s\n' "Other-Password-1" | onshi user add temp --role reception >/dev/null
onshi user del temp >/dev/null
grep -q '^temp:' "$USERS" && fail "user del"
ok "user add refuses duplicates and short passwords; user del"

sed -i "s/^listen=.*/listen=127.0.0.2:$PORT/" "$CONF"
# Off loopback without a certificate (none set, none from the package): the daemon does not start.
set +e; timeout 30 "$top_builddir/orca-onshid" --config "$CONF" > "$T/notls.out" 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "orca-onshid started on 127.0.0.2 without TLS (rc $rc)"
grep -q "TLS certificate .*off loopback the screens are served over TLS only" "$T/notls.out" || fail "no clear refusal: $(cat "$T/notls.out")"
ok "off loopback without a certificate: refused with a clear error"
# The certificate the package makes at install (the same script), trusted by curl through --cacert.
sh "$top_srcdir/scripts/make-tls-cert.sh" "$T/tls/web.crt" "$T/tls/web.key" 127.0.0.2 >/dev/null
printf 'tls_cert=%s\ntls_key=%s\n' "$T/tls/web.crt" "$T/tls/web.key" >> "$CONF"  # [web] is the last group
onshi doctor > "$T/doctor.out" 2>&1 || true
grep -q "^OK   \[web\] TLS certificate $T/tls/web.crt is in its dates (36[0-9][0-9] days left) and the key belongs to it" "$T/doctor.out" \
  || fail "doctor on the certificate: $(grep -i tls "$T/doctor.out")"
sh "$top_srcdir/scripts/make-tls-cert.sh" "$T/tls/other.crt" "$T/tls/other.key" >/dev/null
sed -i "s|^tls_key=.*|tls_key=$T/tls/other.key|" "$CONF"
onshi doctor > "$T/doctor.out" 2>&1 && fail "doctor passes a key that is not the certificate's"
grep -q "^ERR  \[web\] TLS key $T/tls/other.key does not belong to $T/tls/web.crt" "$T/doctor.out" || fail "doctor: $(grep -i tls "$T/doctor.out")"
sed -i "s|^tls_key=.*|tls_key=$T/tls/web.key|" "$CONF"
ok "doctor checks the certificate's dates and that the key is its own"
TLS_OPTS=(--cacert "$T/tls/web.crt")
BASE=https://127.0.0.2:$PORT
rm -f "$JAR"
daemon_start
wait_http "$BASE/api/session"
grep -q "web: screens at https://127.0.0.2:$PORT/" "$T/daemon.log" || fail "the daemon does not log its https URL"
curl -s -o /dev/null "http://127.0.0.2:$PORT/api/session" && fail "plain HTTP answered on the TLS port"
ok "off loopback: HTTPS only"
r=$(api GET /api/jobs)
assert_eq "GET /api/jobs without login" 401 "$(status_of "$r")"
r=$(api GET /api/session)
assert_eq "session without login" 401 "$(status_of "$r")"
grep -q '"login_required":true' <<<"$r" || fail "no login_required: $r"
assert_eq "index.html without login" 302 "$(curl -s "${TLS_OPTS[@]}" -o /dev/null -w '%{http_code}' "$BASE/index.html")"
r=$(api POST /api/login --data-urlencode user=uketsuke --data-urlencode "password=wrong-password")
assert_eq "login with a wrong password" 401 "$(status_of "$r")"
r=$(api POST /api/login --data-urlencode user=nobody --data-urlencode "password=$RECEPTION_PW")
assert_eq "login as an unknown user" 401 "$(status_of "$r")"
r=$(api POST /api/login --data-urlencode user=uketsuke --data-urlencode "password=$RECEPTION_PW")
assert_eq "login as reception" 200 "$(status_of "$r")"
assert_eq "reception role" reception "$(json_field role "$r")"
grep -q "127.0.0.2.*TRUE.*onshi_session" "$JAR" || fail "the session cookie is not Secure under TLS: $(cat "$JAR")"
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
r=$(api GET "/api/pdf/$PDFJOB")
assert_eq "reception: another user's PDF" 403 "$(status_of "$r")"
r=$(api GET "/api/pdf/0$PDFJOB")
assert_eq "PDF id with a leading zero" 404 "$(status_of "$r")"

# A user of facility 2 only: facility 1's jobs, units and PDFs are not there for it.
printf '%s\n' 'Facility-Two-Pass-8' | onshi user add shisetsu2 --role reception --facilities 2 >/dev/null
grep -q '^shisetsu2:reception:\$y\$[^:]*:2$' "$USERS" || fail "users file: $(grep shisetsu2 "$USERS")"
FJAR=$T/cookies.f2
JAR=$FJAR
r=$(api POST /api/login --data-urlencode user=shisetsu2 --data-urlencode "password=Facility-Two-Pass-8")
assert_eq "login shisetsu2" 200 "$(status_of "$r")"
assert_eq "facility 2 user: facility 1's job" 404 "$(status_of "$(api GET "/api/jobs/$rid")")"
assert_eq "facility 2 user: facility 1's units" 404 "$(status_of "$(api GET "/api/jobs/$rid/units")")"
assert_eq "facility 2 user: facility 1's PDF" 404 "$(status_of "$(api GET "/api/pdf/$PDFJOB")")"
assert_eq "facility 2 user: facility 1's list" 403 "$(status_of "$(api GET "/api/jobs?hospnum=1")")"
assert_eq "facility 2 user: facility 1's P031" 403 "$(status_of "$(api GET "/api/p031?hospnum=1")")"
r=$(api GET /api/jobs)
assert_eq "facility 2 user: all jobs" 200 "$(status_of "$r")"
grep -q '"hospnum":1' <<<"$r" && fail "facility 2 user sees facility 1's jobs: $r"
r=$(api GET /api/facilities)
assert_eq "facility 2 user: facilities" '[{"hospnum":2,"institution_code":"1310000002","p031_mark":"star"}]' "$(body_of "$r")"
ok "a user of facility 2 sees nothing of facility 1"
# Sessions follow the user's record: a role change ends it.
sed -i 's/^shisetsu2:reception:/shisetsu2:admin:/' "$USERS"
assert_eq "session after a role change" 401 "$(status_of "$(api GET /api/jobs)")"
# A deleted user's session is refused.
JAR=$RJAR
assert_eq "reception session before user del" 200 "$(status_of "$(api GET /api/jobs)")"
onshi user del uketsuke >/dev/null
assert_eq "a deleted user's session" 401 "$(status_of "$(api GET /api/jobs)")"
r=$(api POST /api/jobs -H "X-CSRF-Token: $RCSRF" -d hospnum=1 -d kind=welfare)
assert_eq "a deleted user's POST" 401 "$(status_of "$r")"
JAR=$T/cookies
ok "sessions end with a role change and with user del"

rm -f "$JAR"
r=$(api POST /api/login --data-urlencode user=kanri --data-urlencode "password=$ADMIN_PW")
assert_eq "login as admin" 200 "$(status_of "$r")"
ACSRF=$(json_field csrf "$r")
r=$(api GET /api/admin/config)
assert_eq "admin: GET /api/admin/config" 200 "$(status_of "$r")"
grep -q '"conninfo":"[^"]*host=' <<<"$r" || fail "no conninfo: $r"
assert_eq "admin: the PDF" 200 "$(status_of "$(api GET "/api/pdf/$PDFJOB")")"
r=$(api GET /api/admin/doctor)
assert_eq "admin: GET /api/admin/doctor" 200 "$(status_of "$r")"
grep -q '"lines":\["OK   database orca reachable' <<<"$r" || fail "doctor: $r"
r=$(api GET /api/admin/errors)
assert_eq "admin: GET /api/admin/errors" 200 "$(status_of "$r")"
# A password change ends the session.
OLD_ADMIN_PW=$ADMIN_PW
ADMIN_PW='Admin-Changed-4d2b'
printf '%s\n' "$ADMIN_PW" | onshi user passwd kanri >/dev/null
assert_eq "session after a password change" 401 "$(status_of "$(api GET /api/admin/errors)")"
r=$(api POST /api/login --data-urlencode user=kanri --data-urlencode "password=$ADMIN_PW")
assert_eq "login with the new password" 200 "$(status_of "$r")"
ACSRF=$(json_field csrf "$r")
r=$(api POST /api/logout -H "X-CSRF-Token: $ACSRF")
assert_eq "logout" 200 "$(status_of "$r")"
r=$(api GET /api/admin/config)
assert_eq "after logout" 401 "$(status_of "$r")"
# A body beyond 64 KiB is refused before it is read.
head -c 100000 /dev/zero | tr '\0' a > "$T/big"
assert_eq "large POST" 413 "$(curl -s "${TLS_OPTS[@]}" -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big" "$BASE/api/login")"
# Guessing: after 10 failures from one address, logins are refused for a while, even the right one.
for i in $(seq 1 10); do api POST /api/login --data-urlencode user=kanri --data-urlencode "password=guess-$i" >/dev/null; done
r=$(api POST /api/login --data-urlencode user=kanri --data-urlencode "password=$ADMIN_PW")
assert_eq "login after 10 failures" 429 "$(status_of "$r")"
# Per user too: kanri from another address is refused; another user from there is not.
via() {  # via ADDRESS USER PASSWORD: the status of a login from that source address
  curl -s "${TLS_OPTS[@]}" --interface "$1" -o /dev/null -w '%{http_code}' --data-urlencode "user=$2" --data-urlencode "password=$3" "$BASE/api/login"
}
for i in $(seq 1 5); do via 127.0.0.5 kanri "guess-a$i" >/dev/null; via 127.0.0.6 kanri "guess-b$i" >/dev/null; done
assert_eq "kanri from a third address after 10 failures from two others" 429 "$(via 127.0.0.3 kanri "$ADMIN_PW")"
assert_eq "another user from another address" 200 "$(via 127.0.0.3 shisetsu2 Facility-Two-Pass-8)"
# Another account's success does not reset an address's failures.
for i in $(seq 1 9); do via 127.0.0.4 nobody "guess-$i" >/dev/null; done
assert_eq "a success after 9 failures" 200 "$(via 127.0.0.4 shisetsu2 Facility-Two-Pass-8)"
assert_eq "the 10th failure" 401 "$(via 127.0.0.4 nobody guess-10)"
assert_eq "that address after 10 failures and a success between" 429 "$(via 127.0.0.4 shisetsu2 Facility-Two-Pass-8)"
ok "login limits per user and per address"
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

for pw in "$RECEPTION_PW" "$ADMIN_PW" "$OLD_ADMIN_PW" Facility-Two-Pass-8 wrong-password; do
  grep -qF -- "$pw" "$T/daemon.log" && fail "a password is in the daemon log"
done
grep -q "failed login for 'uketsuke'" "$T/daemon.log" || fail "no failed-login line in the log"
ok "no password in the daemon log"
echo "1 passed, 0 failed"
