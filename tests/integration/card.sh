#!/usr/bin/env bash
# orca-onshi card check / card read against a real pcscd + vpcd + orca-onshi-card-sim: extended APDU
# detection, the certificate in one extended READ BINARY (or short reads on a short-only card), the
# 基本4情報 behind the PIN from stdin, PIN tries (stop at 1 left, never VERIFY a blocked PIN), removal
# mid-read, and no PIN in any trace or log (G_MESSAGES_DEBUG=all).
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
card_test_begin 77

export G_MESSAGES_DEBUG=all
PIN=4826
printf '[database]\nconninfo=dbname=unused\n' > "$T/onshi.conf"
card() { "$ONSHI" --config "$T/onshi.conf" card "$@"; }
# verifies_with_pin: VERIFY commands that carried a PIN in the emulator's trace
# output: a command's stdout without GLib's debug lines (none since every log line goes to stderr: log_stderr.sh)
output() { grep -v -- '-DEBUG: ' "$1" || true; }
verifies_with_pin() { grep -c '^> 00 20 00 80 04' "$T/trace" || true; }

card_make --aux-pin "$PIN" --auth-pin 5917 --name '資格　花子'
len=$(stat -c %s "$CARD_DIR/auth_cert.der")
pcsc_start

# ---- card check: extended APDU yes, My Number card, the certificate in 1 APDU ---------------------
card_insert --trace "$T/trace"
rc=0; card check > "$T/check.out" 2> "$T/check.err" || rc=$?
output "$T/check.out"
assert_eq "card check exit" 0 "$rc"
row=$(grep '^Virtual PCD 00 00 ' "$T/check.out" | head -n 1)
[ -n "$row" ] || fail "no Virtual PCD row"
echo "$row" | grep -q '  yes  *yes  *My Number card  *'"$len"' ' || fail "check row: $row"
[ "$(echo "$row" | awk '{print $NF}')" = 1 ] || fail "certificate not read in 1 APDU: $row"
grep -q '^Virtual PCD 00 00: extended APDU yes (reader: .*\(confirmed by\|an\) extended READ BINARY' "$T/check.out" || fail "how extended was decided"
ok "card check: Virtual PCD, extended APDU yes, My Number card, $len-byte certificate in 1 APDU"
ext_reads=$(grep -c '^> 00 B0 00 00 00 00 00$' "$T/trace" || true)
assert_eq "extended READ BINARY of the whole certificate in the trace" 1 "$ext_reads"

# ---- card read --with-basic4, the PIN on stdin -----------------------------------------------------
echo "$PIN" | card read --with-basic4 > "$T/read.out" 2> "$T/read.err" || { cat "$T/read.err"; fail "card read --with-basic4"; }
output "$T/read.out"
grep -q '資格　花子' "$T/read.out" || fail "the name of 基本4情報"
grep -q 'subject     C=JP,CN=TEST\|subject     CN=TEST.*C=JP' "$T/read.out" || fail "certificate subject"
grep -q 'valid until' "$T/read.out" || fail "certificate validity"
grep -q "($len bytes, 1 APDU, extended)" "$T/read.out" || fail "certificate read line"
ok "card read --with-basic4 shows the certificate and the name"
assert_eq "VERIFY with a PIN so far" 1 "$(verifies_with_pin)"

# ---- wrong PIN twice: 1 try left, then no third VERIFY ---------------------------------------------
rc=0; echo 0000 | card read --with-basic4 > "$T/w1.out" 2> "$T/w1.err" || rc=$?
assert_eq "wrong PIN exit" 7 "$rc"
grep -q 'wrong PIN: 2 tries left' "$T/w1.err" || { cat "$T/w1.err"; fail "2 tries left"; }
rc=0; echo 0000 | card read --with-basic4 > "$T/w2.out" 2> "$T/w2.err" || rc=$?
assert_eq "second wrong PIN exit" 7 "$rc"
grep -q 'wrong PIN: 1 try left' "$T/w2.err" || { cat "$T/w2.err"; fail "1 try left"; }
[ -z "$(output "$T/w1.out")" ] && [ -z "$(output "$T/w2.out")" ] || fail "output after a wrong PIN"
assert_eq "VERIFY with a PIN after two wrong PINs" 3 "$(verifies_with_pin)"
rc=0; echo $PIN | card read --with-basic4 > "$T/w3.out" 2> "$T/w3.err" || rc=$?
assert_eq "1 try left: refused" 7 "$rc"
grep -q 'only 1 PIN try left: nothing was sent' "$T/w3.err" || { cat "$T/w3.err"; fail "stop at 1 try left"; }
assert_eq "no third VERIFY" 3 "$(verifies_with_pin)"
card_remove

# ---- blocked card: refused, no VERIFY with a PIN ---------------------------------------------------
: > "$T/trace"
card_insert --trace "$T/trace" --blocked
rc=0; echo $PIN | card read --with-basic4 > "$T/b.out" 2> "$T/b.err" || rc=$?
assert_eq "blocked: exit" 7 "$rc"
grep -q 'PIN is blocked: nothing was sent' "$T/b.err" || { cat "$T/b.err"; fail "blocked message"; }
assert_eq "blocked: VERIFY with a PIN" 0 "$(verifies_with_pin)"
[ -z "$(output "$T/b.out")" ] || fail "blocked: output"
card_remove

# ---- 基本4情報 with bytes before FF 20 ---------------------------------------------------------------
card_insert --basic4-leading
echo "$PIN" | card read --with-basic4 > "$T/l.out" 2> "$T/l.err" || { cat "$T/l.err"; fail "leading bytes"; }
grep -q '資格　花子' "$T/l.out" || fail "leading bytes: name"
ok "基本4情報 with leading bytes before FF 20"
card_remove

# ---- removal mid-read: a clear error, no partial output --------------------------------------------
card_insert --remove-after-apdus 4
rc=0; echo $PIN | card read --with-basic4 > "$T/r.out" 2> "$T/r.err" || rc=$?
assert_eq "removal: exit" 7 "$rc"
grep -q 'removed' "$T/r.err" || { cat "$T/r.err"; fail "removal message"; }
[ -z "$(output "$T/r.out")" ] || { output "$T/r.out"; fail "partial output after removal"; }
ok "removal mid-read: $(grep '^orca-onshi:' "$T/r.err")"
card_remove

# ---- --wait: the card is inserted after the command started ----------------------------------------
card read --wait 20 > "$T/wait.out" 2> "$T/wait.err" &
waiter=$!
sleep 1
card_insert
rc=0; wait "$waiter" || rc=$?
assert_eq "card read --wait exit" 0 "$rc"
grep -q "($len bytes, 1 APDU, extended)" "$T/wait.out" || { cat "$T/wait.err"; fail "card read --wait"; }
ok "card read --wait picks up a card inserted later"
card_remove

# ---- a short-only card: short reads, extended APDU no, exit non-zero -------------------------------
: > "$T/trace"
card_insert --trace "$T/trace" --short-only
rc=0; card check > "$T/s.out" 2> "$T/s.err" || rc=$?
output "$T/s.out"
assert_eq "short-only: card check exit" 7 "$rc"
row=$(grep '^Virtual PCD 00 00 ' "$T/s.out" | head -n 1)
echo "$row" | grep -q '  no  *yes  *My Number card  *'"$len"' ' || fail "short-only row: $row"
short=$((1 + (len - 4 + 255) / 256))
[ "$(echo "$row" | awk '{print $NF}')" = "$short" ] || fail "short-only: $short APDUs expected: $row"
grep -q 'no reader supports extended APDUs' "$T/s.err" || fail "short-only: message"
ok "short-only: extended APDU no, certificate in $short short reads, exit 7"
echo "$PIN" | card read > "$T/s2.out" 2> "$T/s2.err" || { cat "$T/s2.err"; fail "short-only card read"; }
grep -q "($len bytes, $short APDUs, short reads)" "$T/s2.out" || fail "short-only card read line"
card_remove

# ---- 住基カード token; --reader; a reader without a card --------------------------------------------
card_insert --token juki
rc=0; card check --reader 'Virtual PCD 00 00' > "$T/j.out" 2> "$T/j.err" || rc=$?
assert_eq "住基カード: card check exit" 0 "$rc"
grep -q '^Virtual PCD 00 00  *yes  *yes  *住基カード ' "$T/j.out" || { output "$T/j.out"; fail "住基カード row"; }
[ "$(grep -c '^Virtual PCD 00 01' "$T/j.out")" = 0 ] || fail "--reader shows one reader only"
ok "住基カード detected by its token; --reader limits the table"
rc=0; card read --reader 'No Such Reader' > "$T/n.out" 2> "$T/n.err" || rc=$?
assert_eq "unknown reader exit" 7 "$rc"
grep -q "no reader named 'No Such Reader'" "$T/n.err" || fail "unknown reader message"
card_remove
rc=0; card check > "$T/e.out" 2> "$T/e.err" || rc=$?
assert_eq "no card anywhere: card check exit" 7 "$rc"
grep -q '^Virtual PCD 00 00  *unknown  *no  *none ' "$T/e.out" || { output "$T/e.out"; fail "empty reader row"; }
rc=0; card read > "$T/e2.out" 2> "$T/e2.err" || rc=$?
assert_eq "card read without a card exit" 7 "$rc"
grep -q 'no card in any reader' "$T/e2.err" || fail "no card message"

# ---- no PIN anywhere in the trace or the logs (G_MESSAGES_DEBUG=all) -------------------------------
grep -q 'card > 00 20 00 80 04 \*\* \*\* \*\* \*\*' "$T"/*.err || fail "no masked VERIFY in our debug trace"
for f in "$T"/trace "$T"/card.log "$T"/*.err "$T"/*.out; do
  [ -f "$f" ] || fail "no file $f to look for the PIN in"
  ! grep -q "$PIN" "$f" || fail "the PIN in $f"
done
[ -s "$T/trace" ] || fail "the debug trace is empty"
ok "no PIN in the trace or the logs"

echo "1 passed, 0 failed"
