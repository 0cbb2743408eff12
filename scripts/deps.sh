#!/bin/sh
# Installs what orca-onshi needs to build, test, package (dpkg-dev, debhelper, lintian; systemd for
# systemd-analyze) and run the demo on Debian 12 (as root).
# Every package is a Debian package; nothing is downloaded from anywhere else.
set -eu
PKGS="build-essential autoconf automake pkg-config
      libpq-dev libxml2-dev libxml2-utils libglib2.0-dev libpcsclite-dev libcurl4-openssl-dev libzip-dev check
      libsoup-3.0-dev libcrypt-dev libunistring-dev curl glib-networking
      pcscd vsmartcard-vpcd pcsc-tools opensc opensc-pkcs11 openssl libssl-dev
      chromium chromium-l10n fonts-ipafont-gothic fonts-hanazono unicode-data
      postgresql postgresql-client time zip python3 locales
      dpkg-dev debhelper lintian systemd
      clang libclang-rt-14-dev
      bindfs"
missing=
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "deps.sh: missing packages:$missing (run as root to install them)" >&2; exit 1; fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The postgresql package starts a system cluster; the tests use their own throwaway server.
