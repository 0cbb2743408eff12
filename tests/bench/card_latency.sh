#!/usr/bin/env bash
# Card latency: from inserting a My Number card (starting orca-onshi-card-sim on a private pcscd +
# vpcd) to `orca-onshi card read --wait` having read the 利用者証明用電子証明書, BENCH_CARD_READS times
# (default 20). The clock starts just before the emulator is started (the command is already waiting)
# and stops when the command exits with the certificate printed. The command's debug log (on stderr,
# G_MESSAGES_DEBUG=all) splits it:
#   pcscd/vpcd  insertion → SCardGetStatusChange reports the card (pcscd's reader poll, vpcd);
#   ours        status change → certificate read (connect, transaction, APDUs, our code), of which
#               the APDU round trips (count, time inside SCardTransmit) and our process's CPU time;
#   exit        certificate read → the process has exited (output, teardown).
# Figures only: nothing here asserts a time. BENCH_SUMMARY=FILE appends the rows (figure, median, goal)
# to the one table `make bench` prints (tests/bench/run.sh).
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
  G_MESSAGES_DEBUG=all "$ONSHI" --config "$T/onshi.conf" card read --wait 30 > "$T/read.out" 2> "$T/read.err" &
  reader=$!
  sleep 0.5
  t0=$(date +%s.%N)
  "$CARD_SIM" --identity "$CARD_DIR" --port "$VPCD_PORT" 2>>"$T/card.log" &
  CARD_PID=$!
  rc=0; wait "$reader" || rc=$?
  t1=$(date +%s.%N)
  [ "$rc" = 0 ] && grep -q '利用者証明用電子証明書 (' "$T/read.out" || { cat "$T/read.err" >&2; fail "card read --wait ($k)"; }
  # seen: epoch of the status change; the read line: ms after it, APDUs, ms in SCardTransmit, CPU ms, epoch
  seen=$(grep -a 'card: status change seen:' "$T/read.err" | tail -n 1 | sed -n 's/.*(at \([0-9.]*\)).*/\1/p')
  line=$(grep -a 'card read: certificate' "$T/read.err" | tail -n 1)
  [ -n "$seen" ] && [ -n "$line" ] || fail "no timing lines in the debug log ($k)"
  echo "$line" | awk -v t0="$t0" -v t1="$t1" -v seen="$seen" '{
      for (i = 1; i <= NF; i++) {
        if ($i == "certificate") ours = $(i + 1)
        if ($i == "APDUs") apdus = $(i - 1)
        if ($i == "taking") tx = $(i + 1)
        if ($i == "CPU") cpu = $(i - 2)
        if ($i == "(at") { at = $(i + 1); sub(/\)/, "", at) }
      }
      printf "%.1f %.1f %.1f %d %.1f %.2f %.1f\n", (t1 - t0) * 1000, (seen - t0) * 1000, ours, apdus, tx, cpu, (t1 - at) * 1000 }' >> "$T/lat"
  card_remove
done
# median of column C of $T/lat
med() { awk -v c="$1" '{ print $c }' "$T/lat" | sort -n | awk -v f="${2:-%.1f}" '{ a[NR] = $1 } END { printf f "\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { awk -v c="$1" '{ print $c }' "$T/lat" | sort -n | sed -n '1p;$p' | paste -sd' '; }
ours_apdu=$(awk '{ print $3 - $5 }' "$T/lat" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
{
  echo
  echo "card insertion to certificate read, $N insertions (medians, ms; min–max in brackets)"
  echo "| figure | measured ms | goal ms |"
  echo "|---|---:|---:|"
  printf '| card: insertion → certificate read (whole), ms | %s [%s] | — |\n' "$(med 1)" "$(minmax 1 | tr ' ' '-')"
  printf '| card: pcscd/vpcd part (insertion → status change seen), ms | %s [%s] | — (pcscd/vpcd) |\n' "$(med 2)" "$(minmax 2 | tr ' ' '-')"
  printf '| card: ours (status change → certificate read), ms | %s [%s] | ≤ 100 |\n' "$(med 3)" "$(minmax 3 | tr ' ' '-')"
  printf '| card: ours, APDU round trips (%s APDUs, time in SCardTransmit), ms | %s | — |\n' "$(med 4 %d)" "$(med 5)"
  printf '| card: ours, outside SCardTransmit (connect, transaction, our code), ms | %s | — |\n' "$ours_apdu"
  printf '| card: ours, CPU time of our process, ms | %s | — |\n' "$(med 6 %.2f)"
  printf '| card: certificate read → process exit, ms | %s | — |\n' "$(med 7)"
} > "$T/rows"
cat "$T/rows"
[ -z "${BENCH_SUMMARY:-}" ] || grep '^| card' "$T/rows" >> "$BENCH_SUMMARY"
