#!/usr/bin/env bash
# What independent readers and cards do that our own emulator did not: a reader that fails extended
# APDUs at the PC/SC level (orca-onshi-card-sim --drop-extended: SCardTransmit returns an error, no
# status word, the card stays) and a card that answers 69 84 for a blocked PIN. `card check` reports
# the reader as "extended APDU: no", `card read` and `card consent` still read the certificate (short
# reads, the same bytes as the card was made with); a 69 84 PIN is blocked: no VERIFY is ever sent.
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
card_test_begin 77 sim_stop

PIN=5917
AUX_PIN=4826
env_setup 40
card_person
card_make --auth-pin "$PIN" --aux-pin "$AUX_PIN" --person-index "$K" --name "$NAME" --birth "$BIRTH" --sex "$SEX"
len=$(stat -c %s "$CARD_DIR/auth_cert.der")
short=$((1 + (len - 4 + 255) / 256))
pcsc_start
verifies_with_pin() { grep -c '^> 00 20 00 80 04' "$T/trace" || true; }
dropped() { grep -c '^# dropped: extended APDU' "$T/trace" || true; }

# ---- card check: the reader fails the extended READ BINARY: extended APDU no ----------------------
card_insert --drop-extended --trace "$T/trace"
rc=0; onshi card check > "$T/check.out" 2> "$T/check.err" || rc=$?
cat "$T/check.out"
assert_eq "card check exit (no reader with extended APDUs)" 7 "$rc"
grep -q 'no reader supports extended APDUs' "$T/check.err" || { cat "$T/check.err"; fail "card check message"; }
assert_eq "extended APDUs the reader dropped" 1 "$(dropped)"
row=$(grep '^Virtual PCD 00 00 ' "$T/check.out" | head -n 1)
echo "$row" | grep -q '  no  *yes  *My Number card  *'"$len"' ' || fail "check row: $row"
[ "$(echo "$row" | awk '{print $NF}')" = "$short" ] || fail "$short short reads expected: $row"
grep -q '^Virtual PCD 00 00: extended APDU no (.*the reader failed the extended READ BINARY (extended READ BINARY: the reader gave no answer (SCardTransmit of an extended APDU: .*)): short reads)$' "$T/check.out" ||
  fail "how extended APDU: no was decided"
ok "card check: extended APDU no, the $len-byte certificate in $short short reads after the reader failed the extended one"

# ---- card read: the certificate in short reads ----------------------------------------------------
rc=0; onshi card read > "$T/read.out" 2> "$T/read.err" || rc=$?
assert_eq "card read exit" 0 "$rc"
grep -q "($len bytes, $short APDUs, short reads)" "$T/read.out" || { cat "$T/read.out" "$T/read.err"; fail "card read line"; }
want_subject=$(openssl x509 -inform DER -in "$CARD_DIR/auth_cert.der" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
grep -q "subject     $want_subject\$" "$T/read.out" || { cat "$T/read.out"; fail "subject $want_subject"; }
assert_eq "extended APDUs the reader dropped (card check, card read)" 2 "$(dropped)"
ok "card read after the dropped extended READ BINARY: $len bytes in $short short reads"

# ---- card consent (目視確認): the certificate sent to OQS is the card's, byte for byte -------------
consent_captured visual --hospnum 1 --mode outpatient --identity visual --ope 0 --shinryo 1 --kenshin 1 --sikkan 0 \
  --prescription paper
sed -n 's:.*<Certificate>\([^<]*\)</Certificate>.*:\1:p' "$T/visual.req.xml" > "$T/sent.b64"
[ -s "$T/sent.b64" ] || fail "no Certificate in the request"
base64 -d "$T/sent.b64" > "$T/sent.der" || fail "the request's Certificate is not base64"
cmp -s "$T/sent.der" "$CARD_DIR/auth_cert.der" || fail "the certificate sent differs from auth_cert.der"
assert_eq "extended APDUs the reader dropped (card check, card read, card consent)" 3 "$(dropped)"
grep -q "$NAME" "$T/visual.out" || fail "card consent: the name in the result"
ok "card consent: the $len-byte certificate sent to OQS = auth_cert.der, read with short reads"
assert_eq "VERIFY with a PIN so far" 0 "$(verifies_with_pin)"
card_remove

# ---- 69 84: blocked like 69 83 / 63 C0; no VERIFY -------------------------------------------------
: > "$T/trace"
card_insert --trace "$T/trace" --blocked --blocked-sw 6984
rc=0; echo "$AUX_PIN" | onshi card read --with-basic4 > "$T/b.out" 2> "$T/b.err" || rc=$?
assert_eq "69 84: card read --with-basic4 exit" 7 "$rc"
grep -q 'the 券面事項入力補助用 PIN is blocked: nothing was sent' "$T/b.err" || { cat "$T/b.err"; fail "69 84: blocked message"; }
grep -q '^< 69 84$' "$T/trace" || fail "69 84: the card never answered 69 84"
assert_eq "69 84: VERIFY with a PIN" 0 "$(verifies_with_pin)"
rc=0; echo "$PIN" | onshi card consent --hospnum 1 --mode outpatient --identity pin --ope 0 --shinryo 1 --kenshin 1 --sikkan 0 \
  --prescription paper > "$T/bp.out" 2> "$T/bp.err" || rc=$?
assert_eq "69 84: card consent --identity pin exit" 7 "$rc"
grep -q 'the 利用者証明用 PIN is blocked: nothing was sent' "$T/bp.err" || { cat "$T/bp.err"; fail "69 84: consent message"; }
assert_eq "69 84: VERIFY with a PIN after card consent" 0 "$(verifies_with_pin)"
ok "69 84 is blocked: refused, no VERIFY with a PIN"

for f in "$T"/trace "$T"/card.log "$T"/*.err "$T"/*.out; do
  ! grep -qE "(^|[^0-9])($PIN|$AUX_PIN)([^0-9]|\$)" "$f" || fail "a PIN in $f"
done
ok "no PIN in the trace or the outputs"
echo "1 passed, 0 failed"
