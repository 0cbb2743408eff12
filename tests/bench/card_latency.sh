#!/usr/bin/env bash
# Card latency: from inserting a My Number card (starting orca-onshi-card-sim on a private pcscd +
# vpcd) to `orca-onshi card read --wait` having read the 利用者証明用電子証明書, 20 times. The clock
# starts just before the emulator is started (the command is already waiting) and stops when the
# command exits with the certificate printed; pcscd's ~400 ms reader poll is part of what is measured.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
N=${BENCH_CARD_READS:-20}
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
card_test_begin 0
printf '[database]\nconninfo=dbname=unused\n' > "$T/onshi.conf"
card_make
pcsc_start
: > "$T/lat"
for k in $(seq 1 "$N"); do
  "$ONSHI" --config "$T/onshi.conf" card read --wait 30 > "$T/read.out" 2> "$T/read.err" &
  reader=$!
  sleep 0.5
  t0=$(date +%s.%N)
  "$CARD_SIM" --identity "$CARD_DIR" --port "$VPCD_PORT" 2>>"$T/card.log" &
  CARD_PID=$!
  rc=0; wait "$reader" || rc=$?
  t1=$(date +%s.%N)
  [ "$rc" = 0 ] && grep -q '利用者証明用電子証明書 (' "$T/read.out" || { cat "$T/read.err" >&2; fail "card read --wait ($k)"; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >> "$T/lat"
  card_remove
done
sort -n "$T/lat" > "$T/lat.sorted"
printf '\ncard insertion to certificate read over %s insertions: median %s s, min %s s, max %s s\n' "$N" \
  "$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' "$T/lat.sorted")" \
  "$(head -n 1 "$T/lat.sorted")" "$(tail -n 1 "$T/lat.sorted")"
