#!/usr/bin/env bash
# A client that asks the screens for a stored PDF and then reads nothing (a 4 KB receive buffer, never
# read) holds its connection and descriptor only until [web] write_timeout_s (3 s here) passes without
# the response moving on: the screens process then closes it (its descriptor count back to where it
# was before). Meanwhile other clients are served (the same PDF whole, the session), and a client
# that reads slowly but steadily gets the whole PDF.
. "$top_srcdir/tests/lib/env.sh"
env_setup 5
web_setup write_timeout_s=3

# A stored 薬剤情報 PDF of 16 MB (more than the kernel buffers of both ends hold).
mkdir -p "$T/pdf"
{ printf '%%PDF-1.4\n'; head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; printf '\n%%%%EOF\n'; } > "$T/pdf/big.pdf"
SIZE=$(stat -c %s "$T/pdf/big.pdf")
JOB=$(q "INSERT INTO onshi.job (hospnum, kind, params, file_identifier, state, finished_at) VALUES (1, 'pdf_drug', '{\"ptnum\":\"1\"}', 'ORCA-ONSHI-1-pdf', 'done', now()) RETURNING id")
q "INSERT INTO onshi.pdf_file (job_id, hospnum, ptid, type, path, bytes) VALUES ($JOB, 1, 1, 'drug', '$T/pdf/big.pdf', $SIZE)" > /dev/null

log_mark
daemon_start
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/api/session" && break; sleep 0.1; done
r=$(curl -s -b "$JAR" -c "$JAR" "$BASE/api/session")
grep -q '"csrf"' <<<"$r" || fail "no session on loopback: $r"
SCREENS=$(pgrep -P "$LAST_DAEMON" -f -- '--screens' | head -n 1)
[ -n "$SCREENS" ] || fail "no screens process"
# The screens process's descriptors that are TCP sockets on the screens' port (listening one included):
# /proc/PID/fd's socket inodes looked up in /proc/net/tcp{,6} (its database connections, opened by
# the pool threads as requests come, are not counted).
fds() {
  python3 - "$SCREENS" "$PORT" <<'PY'
import os, sys
pid, port = sys.argv[1], int(sys.argv[2])
inodes = set()
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(f).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        cols = line.split()
        if int(cols[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(cols[9])
n = 0
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if link.startswith("socket:[") and link[8:-1] in inodes:
        n += 1
print(n)
PY
}
whole_pdf() { curl -s -m 60 -b "$JAR" -o "$T/got.pdf" -w '%{http_code} %{size_download}' "$BASE/api/pdf/$JOB"; }
assert_eq "GET /api/pdf/$JOB" "200 $SIZE" "$(whole_pdf)"
cmp -s "$T/pdf/big.pdf" "$T/got.pdf" || fail "the PDF served differs from the one stored"
before=$(fds)
ok "the screens process holds $before descriptors on port $PORT"

# The slow reader: asks, reads nothing, holds its end open; at the end it says whether the server
# closed the connection (EOF or reset after draining what had been sent).
COOKIE=$(awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 { printf "%s=%s; ", $6, $7 }' "$JAR")
python3 - "$PORT" "$JOB" "$COOKIE" > "$T/slow.out" 2>&1 <<'PY' &
import socket, sys, time
port, job, cookie = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.sendall(("GET /api/pdf/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: %s\r\n\r\n" % (job, port, cookie)).encode())
print("asked", flush=True)
time.sleep(float(1e9))
PY
SLOW=$!
for i in $(seq 1 100); do grep -q asked "$T/slow.out" && [ "$(fds)" -gt "$before" ] && break; sleep 0.1; done
[ "$(fds)" -gt "$before" ] || fail "the slow reader's connection was never open (descriptors: $(fds))"
ok "the slow reader holds a connection ($(fds) descriptors)"

# Others are served meanwhile.
assert_eq "GET /api/session while the slow reader hangs" 200 "$(curl -s -o /dev/null -m 20 -w '%{http_code}' -b "$JAR" "$BASE/api/session")"
assert_eq "GET /api/pdf/$JOB while the slow reader hangs" "200 $SIZE" "$(whole_pdf)"
# A client that reads slowly but steadily (a 128 KB receive buffer, 128 KB every 50 ms: the 16 MB
# take longer than write_timeout_s) is not cut off: the timeout counts time without progress only.
python3 - "$PORT" "$JOB" "$COOKIE" "$T/slow.pdf" <<'PY' > "$T/steady.out" || fail "the steady reader: $(cat "$T/steady.out")"
import socket, sys, time
port, job, cookie, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 131072)
s.settimeout(60)
s.connect(("127.0.0.1", port))
s.sendall(("GET /api/pdf/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: %s\r\n\r\n" % (job, port, cookie)).encode())
data = b""
while True:
    chunk = s.recv(131072)
    if not chunk:
        break
    data += chunk
    time.sleep(0.05)
head, _, body = data.partition(b"\r\n\r\n")
open(out, "wb").write(body)
print(head.split(b"\r\n")[0].decode(), len(body))
PY
assert_eq "GET /api/pdf/$JOB read slowly but steadily" "HTTP/1.1 200 OK $SIZE" "$(cat "$T/steady.out")"
cmp -s "$T/pdf/big.pdf" "$T/slow.pdf" || fail "the PDF read slowly differs from the one stored"

# The slow reader's connection is closed by the screens process: its descriptors back to before.
for i in $(seq 1 600); do [ "$(fds)" -le "$before" ] && break; sleep 0.1; done
assert_eq "descriptors of the screens process after the write timeout" "$before" "$(fds)"
kill -0 "$SLOW" || fail "the slow reader ended by itself: $(cat "$T/slow.out")"
kill "$SLOW"; wait "$SLOW" 2>/dev/null || true
wait_log "web: .*no progress.*closed" 10
assert_eq "GET /api/session after" 200 "$(curl -s -o /dev/null -m 20 -w '%{http_code}' -b "$JAR" "$BASE/api/session")"
daemon_stop_all
echo "1 passed, 0 failed"
