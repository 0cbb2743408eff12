#!/usr/bin/env bash
# (Q04) マイナ保険証 同意登録 on the screen, end to end: Debian's chromium (playwright-core) drives the
# real orca-onshid, which reads the card through a real pcscd + vpcd with orca-onshi-card-sim, queues the
# card job, sends it to the OQS simulator and writes the ★ row; P031 lists it. The card is put on the
# reader only after the screen waits for it. A wrong PIN says the tries left and registers nothing, and
# no PIN appears in the daemon's debug log, the audit, the jobs or the simulator's files.
. "$top_srcdir/tests/lib/env.sh"
. "$top_srcdir/tests/lib/pcsc.sh"
. "$top_srcdir/tests/lib/browser.sh"
card_test_begin 77 sim_stop
browser_deps

PIN=3861
AUX=7402
env_setup 40
sim_start
card_person
card_make --auth-pin "$PIN" --aux-pin "$AUX" --person-index "$K" --name "$NAME" --birth "$BIRTH" --sex "$SEX"
pcsc_start   # exports PCSCLITE_CSOCK_NAME: the daemon started below reads cards through our pcscd
web_setup
daemon_start G_MESSAGES_DEBUG=all
wait_web "$BASE" 200
SHOTS=${SCREENSHOT_DIR:-$top_srcdir/tests/screenshots}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/consent-*.png

jobs_before=$(q "SELECT count(*) FROM onshi.job WHERE kind = 'card'")
node "$top_srcdir/tests/browser/consent.mjs" "$BASE" "$SHOTS" "$T/insert-now" "$PIN" "$AUX" "$PTNUM" "$NAME" > "$T/node.out" 2>&1 &
NODE=$!
for i in $(seq 1 900); do
  [ -f "$T/insert-now" ] && break
  kill -0 "$NODE" 2>/dev/null || break
  sleep 0.1
done
if [ -f "$T/insert-now" ]; then
  ok "the screen waits for the card; putting it on the reader now"
  card_insert
fi
rc=0; wait "$NODE" || rc=$?
cat "$T/node.out"
if [ "$rc" != 0 ]; then
  echo "--- daemon log (tail)" >&2; grep -v -- '-DEBUG: ' "$T/daemon.log" | tail -n 40 >&2
  fail "browser consent test (exit $rc)"
fi

# What the screen showed is what the database holds: two card jobs, the last ★ row's consents.
assert_eq "card jobs queued from the screen" "$((jobs_before + 2))" "$(q "SELECT count(*) FROM onshi.job WHERE kind = 'card'")"
assert_eq "both card jobs done" 2 "$(q "SELECT count(*) FROM onshi.job WHERE kind = 'card' AND state = 'done'")"
row=$(q "SELECT ope_douiflg, shinryo_douiflg, kenshin_douiflg, sikkan_douiflg, sho_shoho_keitai FROM tbl_onshi_kaku
         WHERE hospnum = 1 AND ptid = $PTID ORDER BY shori_time DESC, tbl_uuid DESC LIMIT 1")
assert_eq "the PIN flow's row: ope|shinryo|kenshin|sikkan|shoho_keitai" "1|0|1|1|1" "$row"
assert_eq "★ rows of the patient" 2 "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE hospnum = 1 AND ptid = $PTID")"
onshi p031 --hospnum 1 --format tsv > "$T/p031.tsv"
grep "$PTNUM" "$T/p031.tsv" | grep -q '★' || { cat "$T/p031.tsv"; fail "p031 lists no ★ row for $PTNUM"; }
ok "p031 lists the ★ row of $PTNUM"
assert_eq "audited card consents" 2 "$(q "SELECT count(*) FROM onshi.web_audit WHERE action = '/api/card/consent'")"
grep -q 'web: card consent by local: wrong PIN' "$T/daemon.log" || fail "the wrong PIN is logged (without the PIN)"

# No PIN anywhere.
for pin in "$PIN" "$AUX"; do
  assert_no_pin "$pin" "SELECT params::text FROM onshi.job UNION ALL SELECT detail FROM onshi.web_audit" \
    "$T"/daemon.log "$T"/sim.log "$T"/card.log "$T"/node.out "$T"/req/* "$T"/archive/*
done
ok "no PIN in the daemon's debug log, the simulator, the jobs or the audit"
echo "1 passed, 0 failed"
