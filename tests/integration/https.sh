#!/usr/bin/env bash
# The HTTPS transport's own behaviour against the simulator's HTTPS front (faults by --http-fault):
# an untrusted certificate is refused before anything is sent; 503 + Retry-After is retried after the
# given time; dropped connections and slow answers are retried / waited for; 400 is not retried; an
# expired session is renewed once; a wrong activation code says so; a password file readable by others
# is refused; the password appears in no log and in no /proc/<pid>/cmdline.
ONSHI_TEST_TRANSPORT=https
. "$top_srcdir/tests/lib/env.sh"
env_setup 40
export G_MESSAGES_DEBUG=all
want=$(expected_rows homecare)
rows() { q "SELECT count(*) FROM tbl_onshi_kaku WHERE $P031_WHERE"; }
puts() { grep -c 'https PUT /v1/requests/' "$T/sim.log" || true; }
# fetch_ok WHAT: a homecare fetch from scratch ends done with the exact rows.
fetch_ok() {
  clear_results all
  onshi fetch --hospnum 1 --kind homecare > "$T/$1.out" 2> "$T/$1.err" || { tail -n 30 "$T/$1.err"; fail "$1: fetch"; }
  assert_eq "$1: rows" "$want" "$(rows)"
}
# ms HH:MM:SS.mmm → milliseconds of the day
ms() { awk -F'[:.]' '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }' <<< "$1"; }

# ---- activation: a wrong code is refused with the reason; the right one stores the device (0600) ----
HTTP_FAULTS= sim_start   # activates with the right code (env.sh)
[ -s "$T/device-1" ] || fail "no device file after activate"
assert_eq "device file mode" "600" "$(stat -c %a "$T/device-1")"
cp "$CONF" "$T/wrong.conf"
sed -i -e 's/^activation_code=.*/activation_code=111111111111/' -e "s|^device_file=.*|device_file=$T/device-wrong|" "$T/wrong.conf"
rc=0; "$ONSHI" --config "$T/wrong.conf" activate --hospnum 1 > "$T/wrong.out" 2> "$T/wrong.err" || rc=$?
assert_eq "wrong activation code: exit (config)" 78 "$rc"
grep -q 'refused the activation (HTTP 403: アクティベーションコードが正しくありません)' "$T/wrong.err" || { cat "$T/wrong.err"; fail "wrong activation code: the reason"; }
[ ! -e "$T/device-wrong" ] || fail "a device file after a refused activation"
ok "a wrong activation code is refused with the service's reason, nothing stored"

# ---- normal fetch, with the daemon too: the password in no log, no cmdline ----------------------------
fetch_ok plain
daemon_start
sleep 0.5
for p in "${DAEMON_PIDS[@]}"; do
  # (not grep -q on a pipe: closing it early would, under pipefail, turn a find into a pass)
  ! grep -qF "$HTTPS_PASSWORD" <<< "$(tr '\0' ' ' < "/proc/$p/cmdline")" || fail "the password in /proc/$p/cmdline"
  ! grep -qF "$HTTPS_PASSWORD" <<< "$(tr '\0' '\n' < "/proc/$p/environ")" || fail "the password in /proc/$p/environ"
done
clear_results all
id=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT state = 'done' FROM onshi.job WHERE id = $id" 60
assert_eq "daemon over https: rows" "$want" "$(rows)"
daemon_stop_all
! grep -qF "$HTTPS_PASSWORD" <<< "$(tr '\0' ' ' < "/proc/$SIM_PID/cmdline")" || fail "the password in the simulator's cmdline"
for f in "$T"/*.log "$T"/*.err "$T"/*.out "$T"/spool/res/* "$T"/archive/*; do
  [ -f "$f" ] || continue
  ! grep -qF "$HTTPS_PASSWORD" "$f" || fail "the password in $f"
done
grep -q 'https PUT /v1/requests/OQSmuhvq01req_.*HTTP 201 (request [0-9a-f-]*' "$T/daemon.log" || fail "request ids in the daemon's debug log"
ok "the password is in no log (debug level), no cmdline, no environment; request ids are logged"

# ---- untrusted certificate: refused, nothing sent ---------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=another CA" \
  -keyout "$T/tls/other.key" -out "$T/tls/other.pem" 2>/dev/null
sed "s|^ca_file=.*|ca_file=$T/tls/other.pem|" "$CONF" > "$T/untrusted.conf"
clear_results all
before=$(puts)
rc=0; "$ONSHI" --config "$T/untrusted.conf" fetch --hospnum 1 --kind homecare > "$T/untrusted.out" 2> "$T/untrusted.err" || rc=$?
assert_eq "untrusted certificate: exit (io)" 74 "$rc"
grep -q "TLS certificate is not trusted" "$T/untrusted.err" || { cat "$T/untrusted.err"; fail "untrusted certificate: the message"; }
! grep -q 'again in' "$T/untrusted.err" || fail "an untrusted certificate was retried"
assert_eq "untrusted certificate: requests the service got" "$before" "$(puts)"
assert_eq "untrusted certificate: rows" 0 "$(rows)"
ok "an untrusted server certificate is refused at once; nothing sent, nothing written"
onshi doctor --hospnum 1 > "$T/doctor.out" 2>&1 || { cat "$T/doctor.out"; fail "doctor over https"; }
grep -q "OK   \[facility 1\] logged in to https://127.0.0.1:$HTTPS_PORT as U1310000017 (TLS verified)" "$T/doctor.out" || { cat "$T/doctor.out"; fail "doctor: the login line"; }
rc=0; "$ONSHI" --config "$T/untrusted.conf" doctor --hospnum 1 > "$T/doctor-untrusted.out" 2>&1 || rc=$?
assert_eq "doctor with an untrusted certificate: exit" 1 "$rc"
grep -q "ERR  \[facility 1\] login to https://127.0.0.1:$HTTPS_PORT: .*TLS certificate is not trusted" "$T/doctor-untrusted.out" || { cat "$T/doctor-untrusted.out"; fail "doctor: untrusted"; }
ok "doctor logs in over https (TLS verified) and names an untrusted certificate"

# ---- a password file others can read: refused ------------------------------------------------------
chmod 0644 "$T/tls/password"
clear_results all
rc=0; onshi fetch --hospnum 1 --kind homecare > "$T/mode.out" 2> "$T/mode.err" || rc=$?
chmod 0640 "$T/tls/password"
assert_eq "password file 0644: exit (config)" 78 "$rc"
grep -q "has mode 0644: it must be 0600 or 0640" "$T/mode.err" || { cat "$T/mode.err"; fail "password file mode: the message"; }
assert_eq "password file 0644: rows" 0 "$(rows)"

# ---- 503 with Retry-After: 2 s, twice, then through -------------------------------------------------
HTTP_FAULTS=503:2:2 sim_start
fetch_ok retry503
n503=$(grep -c 'HTTP 503 .*again in 2000 ms (Retry-After)' "$T/retry503.err" || true)
assert_eq "503 answers waited for as Retry-After said" 2 "$n503"
# the time between the first 503 and the second (the retry), from the client's log (HH:MM:SS.mmm)
gap=$(awk '/HTTP 503 .*attempt 1\// && !t { t = $0 } t && /HTTP 503 .*attempt 2\// { u = $0; exit }
           function hms(l) { return match(l, /[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+/) ? substr(l, RSTART, RLENGTH) : "00:00:00.0" }
           END { print hms(t) " " hms(u) }' "$T/retry503.err")
gap=$(( $(ms "${gap#* }") - $(ms "${gap% *}") ))
[ "$gap" -ge 1900 ] || fail "the retry after 503 + Retry-After: 2 came after $gap ms"
ok "the retry after 503 + Retry-After: 2 came $gap ms later"

# ---- dropped connections and slow answers ------------------------------------------------------------
HTTP_FAULTS=drop:2 sim_start
fetch_ok dropped
assert_eq "connections the service dropped" 2 "$(grep -c -- '-> dropped' "$T/sim.log" || true)"
# (libcurl itself reconnects once when a reused connection dies unanswered; the rest are our retries)
[ "$(grep -c 'Empty reply from server.*again in' "$T/dropped.err" || true)" -ge 1 ] || fail "a dropped connection was not retried"
HTTP_FAULTS=delay:400 sim_start
fetch_ok slow
ok "dropped connections are retried; slow answers are waited for"

# ---- 400: OQS refuses the request; not retried --------------------------------------------------------
HTTP_FAULTS=reject-put sim_start
clear_results all
before=$(puts)
rc=0; onshi fetch --hospnum 1 --kind homecare > "$T/r400.out" 2> "$T/r400.err" || rc=$?
[ "$rc" != 0 ] || fail "a refused request: fetch succeeded"
grep -q 'OQS rejected the request (.err): 要求ファイルの形式に誤りがあります（HTTPS 受付で拒否）' "$T/r400.err" || { cat "$T/r400.err"; fail "400: the reason"; }
assert_eq "400: PUTs (not retried)" "$((before + 1))" "$(puts)"
assert_eq "400: job state" failed "$(q "SELECT state FROM onshi.job")"
assert_eq "400: rows" 0 "$(rows)"
ok "400 is not retried: one PUT, the job failed with the reason, no rows"

# ---- the session expires: renewed once, the call again ---------------------------------------------
HTTP_FAULTS=expire:3 sim_start
logins=$(grep -c 'https POST /v1/sessions -> 200' "$T/sim.log")
fetch_ok expire
renewed=$(cat "$T/expire.out" "$T/expire.err" | grep -c 'session expired, logging in again' || true)
[ "$renewed" -ge 1 ] || fail "no session renewal"
assert_eq "logins = first + renewals" "$((logins + 1 + renewed))" "$(grep -c 'https POST /v1/sessions -> 200' "$T/sim.log")"
ok "an expired session is renewed ($renewed times in one fetch) and the call goes through"

# (staged requests of jobs that could not send them stay: those jobs are resumable)
[ -z "$(find "$T/spool" -name '*.part')" ] || fail "half downloads left in the spool: $(find "$T/spool" -name '*.part')"
ok "no half download left in the spool after every fault"

# ---- through a proxy: `proxy =` of the facility, then https_proxy from the environment ------------------
HTTP_FAULTS= sim_start
"$SIM" proxy --port-file "$T/proxy.port" 2>> "$T/proxy.log" &
DAEMON_PIDS+=($!)  # stopped with the daemons by env_cleanup
for _ in $(seq 1 50); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
PROXY=http://127.0.0.1:$(cat "$T/proxy.port")
sed "s|^ca_file=.*|&\nproxy=$PROXY|" "$CONF" > "$T/proxy.conf"
clear_results all
"$ONSHI" --config "$T/proxy.conf" fetch --hospnum 1 --kind homecare > "$T/proxy.out" 2> "$T/proxy.err" || { cat "$T/proxy.err"; fail "fetch through proxy="; }
assert_eq "proxy=: rows" "$want" "$(rows)"
tunnels=$(grep -c "proxy CONNECT 127.0.0.1:$HTTPS_PORT\$" "$T/proxy.log" || true)
[ "$tunnels" -ge 1 ] || { cat "$T/proxy.log"; fail "proxy=: no tunnel through the proxy"; }
clear_results all
https_proxy=$PROXY onshi fetch --hospnum 1 --kind homecare > "$T/envproxy.out" 2> "$T/envproxy.err" || { cat "$T/envproxy.err"; fail "fetch with https_proxy"; }
assert_eq "https_proxy: rows" "$want" "$(rows)"
[ "$(grep -c "proxy CONNECT 127.0.0.1:$HTTPS_PORT\$" "$T/proxy.log")" -gt "$tunnels" ] || fail "https_proxy: no tunnel through the proxy"
ok "the transport goes through proxy= and through https_proxy (TLS end to end, the proxy sees only CONNECT)"

# ---- configuration: http:// and a password in the file are refused ---------------------------------------
sed 's|^base_url=https://|base_url=http://|' "$CONF" > "$T/http.conf"
rc=0; "$ONSHI" --config "$T/http.conf" jobs > /dev/null 2> "$T/http.err" || rc=$?
assert_eq "base_url http://: exit (config)" 78 "$rc"
grep -q "is not an https:// URL (TLS is required)" "$T/http.err" || fail "http:// base_url: the message"
sed "s|^user_id=.*|&\npassword=secret|" "$CONF" > "$T/pw.conf"
rc=0; "$ONSHI" --config "$T/pw.conf" jobs > /dev/null 2> "$T/pw.err" || rc=$?
assert_eq "password in the configuration: exit (config)" 78 "$rc"
grep -q "the password never goes in the configuration" "$T/pw.err" || fail "password key: the message"
echo "1 passed, 0 failed"
