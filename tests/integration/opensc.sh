#!/usr/bin/env bash
# Our card emulator held to an independent JPKI implementation: Debian's OpenSC (card-jpki.c,
# pkcs15-jpki.c) on the same private pcscd + vpcd (tests/lib/pcsc.sh). opensc-tool names the card
# `jpki`; pkcs15-tool binds (VERIFY-status on every PIN EF, the 署名用 password EF 001B included),
# lists both PINs with their tries and the four certificates (000A, 0001, 000B, 0002), reads the
# 利用者証明用 certificate and both CA certificates byte for byte as the emulator was made with, and
# verifies PINs (a wrong one costs a try, the right one restores them); pkcs11-tool (opensc-pkcs11.so)
# signs with the 利用者証明用 key and openssl verifies the signature with the certificate's key.
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
card_test_begin 77

for t in opensc-tool pkcs15-tool pkcs11-tool; do
  command -v "$t" >/dev/null || fail "$t not installed (opensc: sh scripts/deps.sh)"
done
MODULE=
for m in /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so /usr/lib/*/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
  [ -f "$m" ] && { MODULE=$m; break; }
done
[ -n "$MODULE" ] || fail "opensc-pkcs11.so not found (opensc-pkcs11: sh scripts/deps.sh)"
# Whatever OpenSC keeps per user (its file cache) stays in the test directory.
export HOME=$T/home
mkdir -p "$HOME"

PIN=5917
card_make --auth-pin "$PIN" --aux-pin 4826
SIGN_PIN=$(cat "$CARD_DIR/sign_pin")
pcsc_start
card_insert --trace "$T/trace"

# Every OpenSC command must reach OUR emulator: its trace grows with each one.
apdus() { grep -c '^> ' "$T/trace" || true; }
# run NAME CMD...: CMD's stdout in $T/NAME.out (stderr in .err), exit status in $rc, and the APDUs it
# sent to the emulator in $sent
run() {
  local name=$1 before
  shift
  before=$(apdus)
  rc=0
  "$@" > "$T/$name.out" 2> "$T/$name.err" || rc=$?
  sent=$(($(apdus) - before))
}

# ---- OpenSC talks to the private pcscd ----------------------------------------------------------
run bogus env PCSCLITE_CSOCK_NAME="$T/no-such-pcscd.comm" opensc-tool -n
[ "$rc" != 0 ] || fail "opensc-tool found a card without our pcscd: it does not use PCSCLITE_CSOCK_NAME"
assert_eq "APDUs from OpenSC without our pcscd" 0 "$sent"
ok "OpenSC follows PCSCLITE_CSOCK_NAME ($PCSCLITE_CSOCK_NAME)"

# ---- opensc-tool -n: the card is jpki ------------------------------------------------------------
run name opensc-tool -n
assert_eq "opensc-tool -n exit" 0 "$rc"
assert_eq "opensc-tool -n" jpki "$(cat "$T/name.out")"
[ "$sent" -gt 0 ] || fail "opensc-tool -n sent nothing to our emulator"
ok "opensc-tool -n sent $sent APDUs to our emulator"

# ---- pkcs15-tool --dump: PINs with tries, four certificates ---------------------------------------
# block LABEL FIELD: FIELD of the dump's object whose header line ends in [LABEL]
block() {
  awk -v l="[$1]" -v f="$2" '
    /^[^\t ]/ { on = (index($0, l) > 0 && substr($0, length($0) - length(l) + 1) == l) }
    on && $0 ~ "^\t" f " *:" { sub("^\t" f " *: *", ""); print; exit }' "$T/dump.out"
}
dump_ok() {
  run dump pkcs15-tool --dump
  [ "$rc" = 0 ] || { cat "$T/dump.err" >&2; fail "pkcs15-tool --dump: exit $rc"; }
}
dump_ok
[ "$sent" -gt 0 ] || fail "pkcs15-tool --dump sent nothing to our emulator"
grep -q '^PKCS#15 Card \[JPKI\]:' "$T/dump.out" || fail "no PKCS#15 JPKI card in the dump"
assert_eq "User Authentication PIN: tries left" 3 "$(block 'User Authentication PIN' 'Tries left')"
assert_eq "Digital Signature PIN: tries left" 5 "$(block 'Digital Signature PIN' 'Tries left')"
assert_eq "User Authentication PIN: length" "min_len:4, max_len:4, stored_len:0" "$(block 'User Authentication PIN' 'Length')"
certs=$(grep -c '^X.509 Certificate \[' "$T/dump.out" || true)
assert_eq "certificates in the dump" 4 "$certs"
assert_eq "User Authentication Certificate path" 000a "$(block 'User Authentication Certificate' Path)"
assert_eq "Digital Signature Certificate path" 0001 "$(block 'Digital Signature Certificate' Path)"
assert_eq "User Authentication Certificate CA path" 000b "$(block 'User Authentication Certificate CA' Path)"
assert_eq "Digital Signature Certificate CA path" 0002 "$(block 'Digital Signature Certificate CA' Path)"
# OpenSC reads each readable certificate for its serial: the emulator's, as openssl reads them.
# OpenSC shows the DER INTEGER's content (a leading 00 byte when the high bit is set), openssl the
# number: compare them without leading zero bytes.
serial() { openssl x509 -inform DER -in "$1" -noout -serial | cut -d= -f2 | sed -E 's/^(00)+//'; }
for c in 'User Authentication Certificate:auth_cert.der' 'User Authentication Certificate CA:ca_cert.der' \
         'Digital Signature Certificate CA:sign_ca_cert.der'; do
  got=$(block "${c%%:*}" 'Encoded serial' | awk '{ print toupper($NF) }' | sed -E 's/^(00)+//')
  assert_eq "${c%%:*}: serial" "$(serial "$CARD_DIR/${c#*:}")" "$got"
done
# Every PIN EF got a VERIFY-status (no data), each answered 63 Cx.
status_answers=$(awk '/^> 00 A4 02 0C 02 00 1[8B]$/ { sel = 1; next } sel && /^> 00 20 00 80$/ { want = 1; sel = 0; next }
                      want && /^< / { print $2 $3; want = 0 } /^> / { sel = 0 }' "$T/trace" | sort -u | tr '\n' ' ')
assert_eq "answers to VERIFY-status on EF 0018 / 001B" "63C3 63C5 " "$status_answers"

# ---- --read-certificate: the bytes the emulator was made with ------------------------------------
for c in '01:auth_cert.der' '03:ca_cert.der' '04:sign_ca_cert.der'; do
  id=${c%%:*} want=$CARD_DIR/${c#*:}
  run "cert$id" pkcs15-tool --read-certificate "$id"
  [ "$rc" = 0 ] || { cat "$T/cert$id.err" >&2; fail "pkcs15-tool --read-certificate $id: exit $rc"; }
  openssl x509 -in "$T/cert$id.out" -outform DER -out "$T/cert$id.der" || fail "certificate $id: not PEM"
  cmp -s "$T/cert$id.der" "$want" || fail "certificate $id from OpenSC differs from ${c#*:}"
  ok "certificate $id read by OpenSC = ${c#*:} ($(stat -c %s "$want") bytes, byte for byte)"
done
# The 署名用 certificate needs the 署名用 password: OpenSC cannot read it.
run cert02 pkcs15-tool --read-certificate 02
[ "$rc" != 0 ] && [ ! -s "$T/cert02.out" ] || fail "the 署名用 certificate was readable without its password"
ok "the 署名用 certificate stays unreadable without its password"

# ---- --verify-pin: a wrong PIN costs a try, the right one restores them ----------------------------
run wrong pkcs15-tool --verify-pin --auth-id 01 --pin 0000
[ "$rc" != 0 ] || fail "a wrong PIN verified"
dump_ok
assert_eq "tries left after a wrong PIN" 2 "$(block 'User Authentication PIN' 'Tries left')"
run right pkcs15-tool --verify-pin --auth-id 01 --pin "$PIN"
assert_eq "pkcs15-tool --verify-pin exit" 0 "$rc"
dump_ok
assert_eq "tries left after the right PIN" 3 "$(block 'User Authentication PIN' 'Tries left')"
run sign_pin pkcs15-tool --verify-pin --auth-id 02 --pin "$SIGN_PIN"
assert_eq "署名用 password: pkcs15-tool --verify-pin exit" 0 "$rc"

# ---- pkcs11-tool --sign with the 利用者証明用 key; openssl verifies ---------------------------------
TOKEN='JPKI (User Authentication PIN)'
printf 'orca-onshi %s challenge\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" > "$T/data"
run sign pkcs11-tool --module "$MODULE" --token-label "$TOKEN" --login --pin "$PIN" \
  --sign --id 01 --mechanism SHA256-RSA-PKCS --input-file "$T/data" --output-file "$T/sig"
[ "$rc" = 0 ] || { cat "$T/sign.err" >&2; fail "pkcs11-tool --sign: exit $rc"; }
assert_eq "signature bytes" 256 "$(stat -c %s "$T/sig")"
grep -q '^> 80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 ' "$T/trace" ||
  fail "no SIGN of a SHA-256 DigestInfo in the trace"
openssl x509 -in "$T/cert01.der" -inform DER -pubkey -noout > "$T/pub.pem"
openssl x509 -in "$CARD_DIR/auth_cert.der" -inform DER -pubkey -noout > "$T/pub_made.pem"
cmp -s "$T/pub.pem" "$T/pub_made.pem" || fail "public keys differ"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" > "$T/verify.out" 2>&1 ||
  { cat "$T/verify.out" >&2; fail "openssl does not verify OpenSC's signature"; }
ok "pkcs11-tool signed with the 利用者証明用 key; openssl verified it with the certificate's key"
printf 'x' >> "$T/data"
! openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" > "$T/verify2.out" 2>&1 ||
  fail "the signature verified other data"
ok "the signature does not verify other data"

# ---- no PIN in the emulator's trace ----------------------------------------------------------------
grep -q '^> 00 20 00 80 04 \*\*\*\*\*\*\*\*$' "$T/trace" || fail "no masked VERIFY in the trace"
for f in "$T/trace" "$T/card.log"; do
  ! grep -qE "(^|[^0-9])$PIN([^0-9]|\$)" "$f" || fail "the PIN in $f"
  ! grep -q "$SIGN_PIN" "$f" || fail "the 署名用 password in $f"
done
ok "no PIN in the trace"
echo "OpenSC sent $(apdus) APDUs in all"
echo "1 passed, 0 failed"
