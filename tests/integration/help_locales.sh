#!/usr/bin/env bash
# Every program's help shows its Japanese as UTF-8 in the C, C.UTF-8 and ja_JP.UTF-8 locales (no '?'
# put in for characters the locale's charset lacks). ja_JP.UTF-8 is compiled here with localedef
# into a private LOCPATH (Debian's `locales` data), so the test needs no system locale generated.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
T=$(mktemp -d /tmp/onshi-help.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

mkdir -p "$T/locale"
localedef -i ja_JP -f UTF-8 "$T/locale/ja_JP.UTF-8" 2> "$T/localedef.err" || { cat "$T/localedef.err" >&2; fail "localedef ja_JP.UTF-8"; }
# The compiled locale is really the one the runs below get: its charmap and its own day names.
[ "$(LOCPATH=$T/locale LC_ALL=ja_JP.UTF-8 locale charmap 2>&1)" = UTF-8 ] || fail "ja_JP.UTF-8 is not usable"
[ "$(LOCPATH=$T/locale LC_ALL=ja_JP.UTF-8 date -d 2025-01-06 +%A)" = 月曜日 ] || fail "ja_JP.UTF-8 does not give Japanese day names"
[ "$(LC_ALL=C.UTF-8 locale charmap 2>&1)" = UTF-8 ] || fail "C.UTF-8 is not usable"
[ "$(LC_ALL=C locale charmap)" = ANSI_X3.4-1968 ] || fail "the C locale is not ASCII here"

# program|arguments|a Japanese phrase its help holds
cases=(
  "orca-onshi|--help|照会番号一括登録"
  "orca-onshi|help|外字 as 〓"
  "orca-onshid|--help|オンライン資格確認の常駐プロセス"
  "orca-onshi-sim|--help|資格確認"
  "orca-onshi-sim|serve --help|資格確認限定型"
  "orca-onshi-card-sim|--help|マイナンバーカード (JPKI 利用者証明用"
)
n=0
for loc in C C.UTF-8 ja_JP.UTF-8; do
  for c in "${cases[@]}"; do
    IFS='|' read -r prog args phrase <<< "$c"
    # shellcheck disable=SC2086
    locpath=()
    [ "$loc" = ja_JP.UTF-8 ] && locpath=(LOCPATH="$T/locale")
    out=$(env "${locpath[@]}" LC_ALL="$loc" LANGUAGE= "$top_builddir/$prog" $args) || fail "$prog $args in $loc: exit $?"
    grep -qF -- "$phrase" <<< "$out" || { printf '%s\n' "$out" | head -n 40 >&2; fail "$prog $args in $loc: no '$phrase'"; }
    printf '%s' "$out" | iconv -f UTF-8 -t UTF-8 > /dev/null 2>&1 || fail "$prog $args in $loc: not UTF-8"
    if grep -q '??' <<< "$out"; then fail "$prog $args in $loc: '??' in the help"; fi
    n=$((n + 1))
  done
  ok "every help in $loc shows its Japanese"
done
[ "$n" = 18 ] || fail "ran $n cases"
echo "1 passed, 0 failed"
