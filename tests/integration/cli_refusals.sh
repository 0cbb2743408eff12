#!/usr/bin/env bash
# A request the command line refuses is refused by the use case (jobs::prepare, jobs::consent_choices)
# before anything is reached: with no database (conninfo host=/nonexistent) and no card reader, each
# bad request exits 64 (usage) with "orca-onshi: <message>" naming the option, never 5 (database)
# or 7 (card). A good request gets as far as the database (exit 5): the refusals are not blanket ones.
set -euo pipefail
top_builddir=${top_builddir:-.}
ONSHI=$top_builddir/orca-onshi
T=$(mktemp -d /tmp/onshi-refuse.XXXXXX); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf '[database]\nconninfo=host=/nonexistent\n\n[facility 1]\ninstitution_code=1310000017\nreq_dir=/tmp/r\nres_dir=/tmp/s\n' > "$T/main.conf"
export PCSCLITE_CSOCK_NAME="$T/no-pcscd.comm"  # no reader either: a card step would fail with 7

refused() {  # WHAT EXPECTED-FIRST-LINE ARGS...
  local what=$1 want=$2; shift 2
  set +e; "$ONSHI" --config "$T/main.conf" "$@" > "$T/out" 2> "$T/err"; rc=$?; set -e
  [ "$rc" = 64 ] || fail "$what: exit $rc, not 64 (usage): $(cat "$T/err")"
  [ "$(head -n 1 "$T/err")" = "orca-onshi: $want" ] || fail "$what: first line '$(head -n 1 "$T/err")', not 'orca-onshi: $want'"
  [ ! -s "$T/out" ] || fail "$what: printed on stdout: $(cat "$T/out")"
  echo "ok - $what: $want"
}

refused "not a date" "--consent-from '2020-01-01' is not a date (YYYYMMDD)" fetch --hospnum 1 --kind homecare --consent-from 2020-01-01
refused "backwards" "--consent-from is after --consent-to" fetch --hospnum 1 --kind homecare --consent-from 20251122 --consent-to 20251121
refused "exam range off online" "--exam-from/--exam-to are for --kind online" fetch --hospnum 1 --kind homecare --exam-from 20251101 --exam-to 20251130
refused "both ranges" "online takes a consent range or an examination range, not both" \
  fetch --hospnum 1 --kind online --consent-from 20251001 --consent-to 20251031 --exam-from 20251101 --exam-to 20251130
refused "month" "--month '202513' is not a month (YYYYMM)" fetch --hospnum 1 --kind welfare --month 202513
refused "not a bulk kind" "fetch takes the bulk kinds; use register-refs, pdf or card consent for pdf_drug" fetch --hospnum 1 --kind pdf_drug
refused "pdf type" "--type must be drug or checkup" pdf --hospnum 1 --patient 1 --type xray
refused "pdf patient blank" "--patient is needed" pdf --hospnum 1 --patient "   " --type drug
refused "consent mode" "--mode must be homecare (訪問診療) or outpatient (外来診療等)" card consent --hospnum 1 --mode clinic --identity pin
refused "consent mode missing" "--mode is required" card consent --hospnum 1 --identity visual
refused "consent identity" "--identity must be visual (目視確認) or pin" card consent --hospnum 1 --mode homecare --identity face
refused "consent flag" "--kenshin takes 1 or 0" card consent --hospnum 1 --mode homecare --identity visual --kenshin yes
refused "consent prescription" "--prescription must be electronic or paper" card consent --hospnum 1 --mode outpatient --identity visual --prescription fax

# The same requests made right get past the checks: to the database (5) or the card reader (7).
passes() {  # WHAT STATUS ARGS...
  local what=$1 want=$2; shift 2
  set +e; "$ONSHI" --config "$T/main.conf" "$@" > /dev/null 2> "$T/err"; rc=$?; set -e
  [ "$rc" = "$want" ] || fail "$what: exit $rc, not $want: $(cat "$T/err")"
  echo "ok - $what: checked, then exit $rc ($(head -n 1 "$T/err" | cut -c1-70))"
}
passes "a good fetch reaches the database" 5 fetch --hospnum 1 --kind homecare --consent-from 20251021 --consent-to 20251121
passes "a good pdf request reaches the database" 5 pdf --hospnum 1 --patient 1 --type drug
passes "a good consent reaches the card reader" 7 card consent --hospnum 1 --mode homecare --identity visual --wait 0

# Every kind the program knows (as its own refusal lists them), by its text, through `fetch --kind`:
# the bulk kinds get past the checks to the database (5); the others are refused (64) naming the kind
# as given. The list must hold every kind there is (jobs::Kind), bulk and not.
set +e; "$ONSHI" --config "$T/main.conf" fetch --hospnum 1 --kind no_such_kind > /dev/null 2> "$T/err"; rc=$?; set -e
[ "$rc" = 64 ] || fail "unknown kind: exit $rc, not 64"
kinds=$(head -n 1 "$T/err" | sed -n "s/^orca-onshi: unknown kind 'no_such_kind' (available: \(.*\))\$/\1/p" | tr -d ,)
[ "$(echo $kinds | wc -w)" = 9 ] || fail "the kinds the program lists: '$kinds' ($(head -n 1 "$T/err"))"
for k in $kinds; do
  case $k in
    homecare|nursing|online|welfare|validity) passes "fetch --kind $k" 5 fetch --hospnum 1 --kind "$k" ;;
    register_refs|pdf_drug|pdf_checkup|card) refused "fetch --kind $k" "fetch takes the bulk kinds; use register-refs, pdf or card consent for $k" \
                                               fetch --hospnum 1 --kind "$k" ;;
    *) fail "a kind this test does not know: $k" ;;
  esac
done
