#!/bin/sh
# make-tls-cert.sh CERT KEY [NAME...]: a self-signed certificate for orca-onshid's screens, as
# Cockpit and ssl-cert make one at install: an ECDSA P-256 key (mode 0600; the postinst gives it to
# root:orca-onshi 0640) and a certificate for 10 years naming this host (hostname, FQDN, its
# addresses), localhost, 127.0.0.1, ::1 and each NAME (a DNS name or an IP address).
# Existing files are left alone: the script never replaces a certificate.
set -eu
[ $# -ge 2 ] || { echo "usage: make-tls-cert.sh CERT KEY [NAME...]" >&2; exit 2; }
cert=$1 key=$2
shift 2
if [ -e "$cert" ] || [ -e "$key" ]; then
    echo "make-tls-cert: $cert or $key exists: left alone" >&2
    exit 0
fi
host=$(hostname 2>/dev/null || echo localhost)
fqdn=$(hostname -f 2>/dev/null || echo "$host")
san=""
add() {
    case ",$san," in *",$1,"*) return 0 ;; esac
    san="${san:+$san,}$1"
}
is_ip() {  # an IPv6 address (a colon) or digits and dots
    case $1 in *:*) return 0 ;; *[!0-9.]*) return 1 ;; *) return 0 ;; esac
}
for n in "$host" "$fqdn" localhost "$@"; do
    [ -n "$n" ] || continue
    if is_ip "$n"; then add "IP:$n"; else add "DNS:$n"; fi
done
add IP:127.0.0.1
add IP:::1
for a in $(hostname -I 2>/dev/null || true); do
    case $a in fe80:*) ;; *) add "IP:$a" ;; esac
done
dir=$(dirname "$cert")
mkdir -p "$dir" "$(dirname "$key")"
tmpk=$(mktemp "$(dirname "$key")/.key.XXXXXX")
tmpc=$(mktemp "$dir/.crt.XXXXXX")
trap 'rm -f "$tmpk" "$tmpc"' EXIT
chmod 0600 "$tmpk"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 \
    -keyout "$tmpk" -out "$tmpc" -subj "/O=orca-onshi/CN=$fqdn" \
    -addext "subjectAltName=$san" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" 2>/dev/null
chmod 0644 "$tmpc"
mv "$tmpk" "$key"
mv "$tmpc" "$cert"
trap - EXIT
echo "make-tls-cert: $cert ($san)"
