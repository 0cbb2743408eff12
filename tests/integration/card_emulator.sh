#!/usr/bin/env bash
# The My Number card emulator on a private pcscd + vpcd, driven through pcsc-lite by tests/card/apdu_probe:
# SELECT JPKI, the token, the certificate in one extended READ BINARY and in short reads, 基本4情報
# behind the 入力補助 PIN, SIGN, PIN counters and blocking, short-only readers, removal mid-read,
# and a trace that never holds a PIN. pcscd is private to this test (tests/lib/pcsc.sh).
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
pcsc_available || { echo "SKIP: no pcscd/vpcd here"; exit 77; }
trap 'pcsc_stop; env_cleanup' EXIT

JPKI=00A4040C0AD392F000260100000001
AUX=00A4040C0AD392100031000101040 AUX=${AUX}8
KENMEN=00A4040C0AD3921000310001010402
sel() { echo "00A4020C02$1"; }
probe() { "$APDU_PROBE" "$@"; }
# line N of the last probe output
nth() { sed -n "${1}p" "$T/probe.out"; }
run() { probe "$@" > "$T/probe.out" || true; }
hexof() { od -An -v -tx1 "$1" | tr -d ' \n' | tr a-f A-F; }
ascii_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F; }

card_make
pcsc_start
ok "pcscd up with the Virtual PCD reader"

# ---- JPKI: token, certificate (extended and short), CA certificate --------------------------------
card_insert --trace "$T/trace"
run "$JPKI" "$(sel 0006)" 00B0000020 "$(sel 000A)" 00B0000004 00B00000000000 "$(sel 000B)" 00B00000000000
assert_eq "SELECT JPKI" 9000 "$(nth 1)"
assert_eq "token EF 0006" "$(ascii_hex "JPKIAPICCTOKEN2                 ")9000" "$(nth 3)"
cert=$(hexof "$CARD_DIR/auth_cert.der")
len=$(stat -c %s "$CARD_DIR/auth_cert.der")
assert_eq "cert header 30 82 LL LL" "${cert:0:8}9000" "$(nth 5)"
[ "$(nth 6)" = "${cert}9000" ] || fail "one extended READ BINARY did not return auth_cert.der"
ok "auth_cert.der ($len bytes) in one extended READ BINARY"
[ "$(nth 8)" = "$(hexof "$CARD_DIR/ca_cert.der")9000" ] || fail "CA cert EF 000B"
ok "CA cert EF 000B"
# Short reads: offset in P1P2, Le 00 = 256.
steps=("$JPKI" "$(sel 000A)")
for ((off = 0; off < len; off += 256)); do steps+=("00B0$(printf '%04X' $off)00"); done
run "${steps[@]}"
short=$(tail -n +3 "$T/probe.out" | sed 's/9000$//' | tr -d '\n')
[ "$short" = "$cert" ] || fail "short reads did not return auth_cert.der"
ok "auth_cert.der in $(( (len + 255) / 256 )) short reads (offset in P1P2, Le 00 = 256)"
# Extended read at an offset (00 B0 00 04 00 Lh Ll).
run "$JPKI" "$(sel 000A)" "00B0000400$(printf '%04X' $((len - 4)))"
[ "$(nth 3)" = "${cert:8}9000" ] || fail "extended read at offset 4"
ok "extended read at offset 4"

# ---- errors ---------------------------------------------------------------------------------------
run "$(sel 000A)" 00A4040C0AD392F000260100000099 "$JPKI" "$(sel 1234)" 00CA000000 "$(sel 0017)" 00B0000010
assert_eq "SELECT EF with no AP" 6A82 "$(nth 1)"
assert_eq "unknown AID" 6A82 "$(nth 2)"
assert_eq "unknown EF" 6A82 "$(nth 4)"
assert_eq "unknown INS" 6D00 "$(nth 5)"
assert_eq "reading the key EF" 6981 "$(nth 7)"

# ---- SIGN: only after VERIFY 0018 and with 0017 selected -------------------------------------------
printf 'orca-onshi challenge' > "$T/msg"
di="3031300D060960864801650304020105000420$(openssl dgst -sha256 -binary "$T/msg" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)"
pin=$(ascii_hex "$(cat "$CARD_DIR/auth_pin")")
run "$JPKI" "$(sel 0017)" "802A008033${di}00" "$(sel 0018)" "00200080$(printf '%02X' $(( ${#pin} / 2 )))$pin" \
  "$(sel 0017)" "802A008033${di}00"
assert_eq "SIGN before VERIFY" 6982 "$(nth 3)"
assert_eq "VERIFY right PIN" 9000 "$(nth 5)"
sig=$(nth 7)
assert_eq "SIGN answers 256 bytes + 9000" 516 "${#sig}"
printf '%s' "${sig:0:512}" | perl -pe 's/(..)/chr(hex($1))/ge' > "$T/sig"
openssl x509 -inform DER -in "$CARD_DIR/auth_cert.der" -pubkey -noout > "$T/pub.pem"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null || fail "signature does not verify"
ok "SIGN: RSA PKCS#1 v1.5 verifies with the certificate's key"
# A new connection (card reset) forgets the VERIFY.
run "$JPKI" "$(sel 0017)" "802A008033${di}00"
assert_eq "SIGN after a reset needs VERIFY again" 6982 "$(nth 3)"

# ---- 券面事項入力補助AP: 基本4情報 behind PIN 0011, 個人番号 never ------------------------------------
aux_pin=$(ascii_hex "$(cat "$CARD_DIR/aux_pin")")
run "$AUX" "$(sel 0002)" 00B0000003 "$(sel 0011)" "0020008004$aux_pin" "$(sel 0002)" 00B0000003 00B0000000 \
  "$(sel 0001)" 00B0000010 "$KENMEN"
assert_eq "入力補助AP" 9000 "$(nth 1)"
assert_eq "EF 0002 before VERIFY 0011" 6982 "$(nth 3)"
assert_eq "VERIFY 0011" 9000 "$(nth 5)"
[[ "$(nth 7)" == FF20* ]] || fail "EF 0002 does not start FF 20: $(nth 7)"
b4=$(nth 8)
for v in "資格　太郎" "東京都千代田区千代田一丁目一番一号" 19800101; do
  [[ "$b4" == *"$(ascii_hex "$v")"* ]] || fail "基本4情報 lacks $v"
done
ok "基本4情報 FF 20 with name, address, birth"
assert_eq "個人番号 EF 0001 refuses reading" 6982 "$(nth 10)"
assert_eq "券面AP selectable" 9000 "$(nth 11)"
card_remove
assert_eq "apdus counted" $((41 + (len + 255) / 256)) "$CARD_APDUS"
! grep -q "$pin\|$aux_pin" "$T/trace" || fail "a PIN in the trace"
grep -q '^> 00 20 00 80 04 \*\*\*\*\*\*\*\*$' "$T/trace" || fail "no masked VERIFY in the trace"
ok "trace masks VERIFY data"

# ---- the 2023 layout, a long address, 住基カード --------------------------------------------------
CARD_DIR=$T/card2 card_make --address "北海道$(printf '長い住所%.0s' $(seq 1 12))一番地" --sex 2
CARD_DIR=$T/card2 card_insert --basic4-leading --token juki
run "$AUX" "$(sel 0011)" "0020008004$aux_pin" "$(sel 0002)" 00B0000000 "$JPKI" "$(sel 0006)" 00B0000020
[[ "$(nth 5)" == 30300000FF2081* ]] || fail "leading bytes + FF 20 81 xx expected: $(nth 5)"
ok "basic4-leading: bytes before FF 20; long content uses 81 xx"
[[ "$(nth 5)" == *DF2381A2* ]] || fail "long address without 81 xx: $(nth 5)"
ok "long address DF 23 81 xx"
assert_eq "住基カード token" "$(ascii_hex "JPKIAPICCTOKEN                  ")9000" "$(nth 8)"
card_remove

# ---- PIN counters and blocking ----------------------------------------------------------------------
card_insert
bad=$(ascii_hex 0000)
[ "$bad" != "$pin" ] || fail "test PIN must not be 0000"
run "$JPKI" "$(sel 0018)" 00200080 00200080 "0020008004$bad" "0020008004$bad" "0020008004$bad" \
  00200080 "0020008004$pin"
assert_eq "VERIFY status, 3 tries" 63C3 "$(nth 3)"
assert_eq "VERIFY status does not consume" 63C3 "$(nth 4)"
assert_eq "wrong PIN (1)" 63C2 "$(nth 5)"
assert_eq "wrong PIN (2)" 63C1 "$(nth 6)"
assert_eq "wrong PIN (3)" 63C0 "$(nth 7)"
# A blocked PIN still answers VERIFY-status with 63 Cx (63 C0), as OpenSC's GET_INFO needs.
assert_eq "blocked: status" 63C0 "$(nth 8)"
assert_eq "blocked: the right PIN is refused" 6983 "$(nth 9)"
card_remove
card_insert --blocked
run "$JPKI" "$(sel 0018)" "0020008004$pin" 00200080 "$(sel 001B)" 00200080
assert_eq "--blocked" 6983 "$(nth 3)"
assert_eq "--blocked: status" 63C0 "$(nth 4)"
assert_eq "--blocked: 署名用 password status" 63C0 "$(nth 6)"
card_remove
card_insert --blocked --blocked-sw 6984
run "$JPKI" "$(sel 0018)" 00200080 "0020008004$pin"
assert_eq "--blocked-sw 6984: status" 6984 "$(nth 3)"
assert_eq "--blocked-sw 6984: with a PIN" 6984 "$(nth 4)"
card_remove
card_insert --pin-tries 1
run "$JPKI" "$(sel 0018)" 00200080
assert_eq "--pin-tries 1" 63C1 "$(nth 3)"
card_remove

# ---- every PIN EF answers VERIFY-status; the 署名用 password and CA ------------------------------
card_insert
sign_pin=$(ascii_hex "$(cat "$CARD_DIR/sign_pin")")
run "$JPKI" "$(sel 001B)" 00200080 "$(sel 0018)" 00200080 "$AUX" "$(sel 0011)" 00200080 \
  "$JPKI" "$(sel 001B)" "00200080$(printf '%02X' $((${#sign_pin} / 2)))$sign_pin" "$(sel 0002)" 00B00000000000
assert_eq "署名用 password EF 001B: status" 63C5 "$(nth 3)"
assert_eq "利用者証明用 PIN EF 0018: status" 63C3 "$(nth 5)"
assert_eq "入力補助 PIN EF 0011: status" 63C3 "$(nth 8)"
assert_eq "署名用 password: VERIFY" 9000 "$(nth 11)"
[ "$(nth 13)" = "$(hexof "$CARD_DIR/sign_ca_cert.der")9000" ] || fail "EF 0002 is not sign_ca_cert.der"
ok "EF 0002 (署名用CA) holds sign_ca_cert.der"
card_remove

# ---- a short-only reader ----------------------------------------------------------------------------
card_insert --short-only
run "$JPKI" "$(sel 000A)" 00B00000000000 00B0000000 00B0000004
assert_eq "--short-only: extended READ BINARY" 6700 "$(nth 3)"
[ "$(nth 4)" = "${cert:0:512}9000" ] || fail "--short-only: short read"
ok "--short-only: short read still works"
card_remove

# ---- a reader that drops extended APDUs: a PC/SC error, the card stays -----------------------------
card_insert --drop-extended --trace "$T/trace-drop"
rc=0
probe "$JPKI" "$(sel 000A)" 00B00000000000 > "$T/probe.out" || rc=$?
assert_eq "--drop-extended: probe exit" 3 "$rc"
assert_eq "--drop-extended: extended READ BINARY" "error SCARD_E_NOT_TRANSACTED" "$(nth 3)"
sleep 1  # vpcd takes the card back at its next presence poll (~400 ms)
"$APDU_PROBE" --wait-card 5 || fail "--drop-extended: the card left"
run "$JPKI" "$(sel 000A)" 00B0000000
[ "$(nth 3)" = "${cert:0:512}9000" ] || fail "--drop-extended: short read after the drop: $(nth 3)"
ok "--drop-extended: short reads still work"
grep -q '^# dropped: extended APDU' "$T/trace-drop" || fail "--drop-extended: no drop in the trace"
card_remove

# ---- removal mid-read ------------------------------------------------------------------------------
card_insert --remove-after-apdus 3
rc=0
probe "$JPKI" "$(sel 000A)" 00B0000000 sleep:1500 00B0010000 > "$T/probe.out" || rc=$?
assert_eq "probe exit after removal" 3 "$rc"
[ "$(nth 3)" = "${cert:0:512}9000" ] || fail "first read before the removal: $(nth 3)"
ok "first read before the removal"
case $(nth 4) in
  "error SCARD_W_REMOVED_CARD" | "error SCARD_E_NO_SMARTCARD" | "error SCARD_E_READER_UNAVAILABLE") ok "removal reported: $(nth 4)" ;;
  *) fail "removal not reported: $(nth 4)" ;;
esac
"$APDU_PROBE" --wait-absent 5 || fail "card still present after removal"
ok "pcscd sees no card"
card_remove
assert_eq "apdus before removal" 3 "$CARD_APDUS"

# The same with no pause: vpcd answers the APDU in flight with an empty R-APDU (or the transmit fails).
card_insert --remove-after-apdus 3
rc=0
probe "$JPKI" "$(sel 000A)" 00B0000000 00B0010000 00B0020000 > "$T/probe.out" || rc=$?
assert_eq "probe exit after immediate removal" 3 "$rc"
case $(nth 4) in
  "error EMPTY_RESPONSE" | "error SCARD_E_NOT_TRANSACTED" | "error SCARD_W_REMOVED_CARD") ok "immediate removal: $(nth 4)" ;;
  *) fail "immediate removal not reported: $(nth 4)" ;;
esac
card_remove

# ---- --reconnect: the card comes back --------------------------------------------------------------
card_insert --remove-after-apdus 1 --reconnect --removal-ms 1500
run "$JPKI"
assert_eq "before removal" 9000 "$(nth 1)"
"$APDU_PROBE" --wait-absent 5 || fail "no removal"
"$APDU_PROBE" --wait-card 10 || fail "no re-insertion"
ok "--reconnect: removed, then present again"
card_remove

pcsc_stop
echo "1 passed, 0 failed"
