#!/usr/bin/env bash
# A card consent whose browser went away before the answer: the screens pause the request while the
# card thread reads (here: waits for a card that never comes, real pcscd + vpcd), the client gives up
# (curl --max-time 1), and the answer that arrives later is dropped quietly: no GLib-CRITICAL (nor any
# CRITICAL) in the daemon's log, the screens process still running, and a following request served,
# a following consent too (the reader is not left busy).
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
card_test_begin 77 sim_stop
env_setup 10
pcsc_start   # exports PCSCLITE_CSOCK_NAME: the daemon reads cards through our pcscd (no card on its reader)
web_setup
daemon_start
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/api/session" && break; sleep 0.1; done
r=$(curl -s -b "$JAR" -c "$JAR" "$BASE/api/session")
CSRF=$(sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p' <<<"$r" | head -n 1)
[ ${#CSRF} = 64 ] || fail "no session on loopback: $r"
screens_pid() { pgrep -P "$LAST_DAEMON" -f -- '--screens' | head -n 1; }
SCREENS=$(screens_pid)
[ -n "$SCREENS" ] || fail "no screens process"
consent() {  # WAIT MAX_TIME: the status (curl's 000 when it gave up)
  curl -s -o "$T/consent.body" -w '%{http_code}' -m "$2" -b "$JAR" -H "X-CSRF-Token: $CSRF" \
    -d hospnum=1 -d mode=outpatient -d identity=visual -d ope=0 -d shinryo=1 -d kenshin=1 -d sikkan=0 \
    -d prescription=paper -d "wait=$1" "$BASE/api/card/consent" || true
}

# gone_reset WAIT: the same consent from a client that resets its connection (SO_LINGER 0) after 1 s.
gone_reset() {
  python3 - "$PORT" "$CSRF" "$(awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 { printf "%s=%s; ", $6, $7 }' "$JAR")" "$1" <<'PY'
import socket, struct, sys, time
port, csrf, cookie, wait = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
body = "hospnum=1&mode=outpatient&identity=visual&ope=0&shinryo=1&kenshin=1&sikkan=0&prescription=paper&wait=" + wait
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("POST /api/card/consent HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-CSRF-Token: %s\r\nCookie: %s\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
           % (port, csrf, cookie, len(body), body)).encode())
time.sleep(1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
}

log_mark
# The consent waits up to 3 s for a card; the client leaves after 1 s.
assert_eq "consent whose client left" 000 "$(consent 3 1)"
# The answer arrives: the card thread gives up waiting and logs it (info), then the main loop answers.
wait_log "web: card consent by .*" 30
ok "the consent's answer came after its client had gone (closed)"
# following WHAT: a consent taken once the one before has been answered on the main loop (409 while
# the reader is busy): no card, so refused (422) at once.
following() {
  local status= i
  for i in $(seq 1 100); do
    status=$(consent 0 20)
    [ "$status" = 409 ] || break
    sleep 0.1
  done
  assert_eq "$1 (no card: refused, 422)" 422 "$status"
  grep -q 'no card' "$T/consent.body" || fail "$1: $(cat "$T/consent.body")"
}
following "a consent after the closed one"
# Again, the client resetting its connection.
n0=$(tail -c +$((LOG_MARK + 1)) "$T/daemon.log" | grep -c 'web: card consent by ' || true)
gone_reset 3 || fail "the resetting client"
for i in $(seq 1 300); do
  [ "$(tail -c +$((LOG_MARK + 1)) "$T/daemon.log" | grep -c 'web: card consent by ' || true)" -gt "$n0" ] && break
  sleep 0.1
done
[ "$(tail -c +$((LOG_MARK + 1)) "$T/daemon.log" | grep -c 'web: card consent by ' || true)" -gt "$n0" ] || fail "the second consent was not answered"
ok "the consent's answer came after its client had gone (reset)"
following "a consent after the reset one"
assert_eq "a following GET /api/session" 200 "$(curl -s -o /dev/null -w '%{http_code}' -m 20 -b "$JAR" "$BASE/api/session")"
assert_eq "the screens process" "$SCREENS" "$(screens_pid)"
daemon_stop_all
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" > "$T/after.log"
[ -s "$T/after.log" ] || fail "the daemon wrote nothing since the consent"
if grep -q 'CRITICAL' "$T/after.log"; then
  grep 'CRITICAL' "$T/after.log" >&2
  fail "a CRITICAL in the daemon's log after the client went away"
fi
ok "no CRITICAL in the daemon's log ($(wc -l < "$T/after.log") lines since the consent)"
echo "1 passed, 0 failed"
