#!/usr/bin/env bash
# make-test-card.sh DIR [--name NAME] [--address ADDR] [--birth YYYYMMDD] [--sex 1|2|9]
#                       [--auth-pin NNNN] [--aux-pin NNNN] [--sign-pin PASSWORD] [--person-index N]
# Creates a throwaway test CA and one synthetic card identity for orca-onshi-card-sim in DIR:
#   ca_cert.der ca_key.pem   the test CA (RSA-2048, self-signed)
#   auth_cert.der auth_key.pem   利用者証明用電子証明書 (RSA-2048) and its key, issued by the test CA
#   basic4.txt   name= address= birth= sex= (基本4情報, UTF-8)
#   sign_ca_cert.der   the CA of the 署名用電子証明書 (JPKI EF 0002; RSA-2048, self-signed; its key is thrown
#                      away: the 署名用 certificate itself is not emulated)
#   auth_pin aux_pin sign_pin   the test PINs (default 1234) and 署名用 password (default ABC123),
#                      mode 0600: test data, never a real person's PIN
# --person-index N: the certificate's CN is ONSHI-SIM-<N>, which orca-onshi-sim maps to its population
# person N (the card request of `orca-onshi card consent`); without it the CN is a random TEST serial.
# Synthetic person only (default 資格　太郎); never use a real person's data.
set -euo pipefail
dir=${1:?usage: make-test-card.sh DIR [--name NAME] [--address ADDR] [--birth YYYYMMDD] [--sex N]}
shift
name='資格　太郎'
address='東京都千代田区千代田一丁目一番一号'
birth=19800101
sex=1
auth_pin=1234
aux_pin=1234
sign_pin=ABC123
cn=TEST$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --address) address=$2; shift 2 ;;
    --birth) birth=$2; shift 2 ;;
    --sex) sex=$2; shift 2 ;;
    --auth-pin) auth_pin=$2; shift 2 ;;
    --aux-pin) aux_pin=$2; shift 2 ;;
    --sign-pin) sign_pin=$2; shift 2 ;;
    --person-index) cn=ONSHI-SIM-$2; shift 2 ;;
    *) echo "make-test-card.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
umask 077
ossl() { local e; e=$(openssl "$@" 2>&1) || { printf 'make-test-card.sh: openssl %s: %s\n' "$1" "$e" >&2; return 1; }; }
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/ca_key.pem"
ossl req -x509 -new -key "$dir/ca_key.pem" -days 3650 -sha256 -utf8 \
  -subj "/C=JP/O=orca-onshi test/OU=TEST ONLY/CN=orca-onshi Test JPKI CA" -out "$dir/ca_cert.pem"
ossl req -x509 -new -newkey rsa:2048 -nodes -keyout "$dir/sign_ca_key.pem" -days 3650 -sha256 -utf8 \
  -subj "/C=JP/O=orca-onshi test/OU=TEST ONLY/CN=orca-onshi Test JPKI Sign CA" -outform DER -out "$dir/sign_ca_cert.der"
rm -f "$dir/sign_ca_key.pem"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/auth_key.pem"
# The real 利用者証明用 certificate carries no name; the subject is a random serial-like CN. The
# extensions bring it near a real one's size (about 1.3 kB; real ones ~1.5 kB): six short READ BINARYs.
ossl req -new -key "$dir/auth_key.pem" -sha256 -subj "/C=JP/CN=$cn" \
  -out "$dir/auth.csr"
cat > "$dir/auth.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
certificatePolicies=1.2.392.200149.8.5.1.3.30
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
extendedKeyUsage=clientAuth
crlDistributionPoints=URI:http://crl.jpki-test.invalid/orca-onshi/test/auth/crl-0001.crl,URI:ldap://ldap.jpki-test.invalid/cn%3Dorca-onshi%20Test%20JPKI%20CA%2Cou%3DTEST%20ONLY%2Co%3Dorca-onshi%20test%2Cc%3DJP?certificateRevocationList
authorityInfoAccess=OCSP;URI:http://ocsp.jpki-test.invalid/orca-onshi/test/auth,caIssuers;URI:http://ca.jpki-test.invalid/orca-onshi/test/ca.der
EXT
ossl x509 -req -in "$dir/auth.csr" -CA "$dir/ca_cert.pem" -CAkey "$dir/ca_key.pem" -CAcreateserial \
  -days 1825 -sha256 -extfile "$dir/auth.ext" -out "$dir/auth_cert.pem"
openssl x509 -in "$dir/ca_cert.pem" -outform DER -out "$dir/ca_cert.der"
openssl x509 -in "$dir/auth_cert.pem" -outform DER -out "$dir/auth_cert.der"
rm -f "$dir/auth.csr" "$dir/auth.ext" "$dir/ca_cert.srl"
printf 'name=%s\naddress=%s\nbirth=%s\nsex=%s\n' "$name" "$address" "$birth" "$sex" > "$dir/basic4.txt"
printf '%s\n' "$auth_pin" > "$dir/auth_pin"
printf '%s\n' "$aux_pin" > "$dir/aux_pin"
printf '%s\n' "$sign_pin" > "$dir/sign_pin"
chmod 0644 "$dir/ca_cert.der" "$dir/sign_ca_cert.der" "$dir/auth_cert.der" "$dir/ca_cert.pem" "$dir/auth_cert.pem" "$dir/basic4.txt"
