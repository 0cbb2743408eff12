# A private pcscd with the vpcd driver, and the card emulator on it. Source from a test after env.sh
# (needs $T, $top_srcdir, $top_builddir, fail).
#
# pcscd 1.9 refuses to start while /run/pcscd/pcscd.comm exists, and vpcd's port comes from
# reader.conf. So pcscd runs in its own mount namespace with $T/pcsc/run bind-mounted on /run/pcscd,
# and reads a reader.conf of ours with vpcd on a free port: its socket is $T/pcsc/run/pcscd.comm, which
# every pcsc-lite client of this test finds through PCSCLITE_CSOCK_NAME (exported here). Tests with
# cards can then run in parallel with each other and with a system pcscd. Without unshare (not root),
# the system socket and port 35963 are used if no pcscd runs: then card tests must not run in parallel.
#   pcsc_available           0 if pcscd and vpcd are installed and we can run pcscd
#   pcsc_start / pcsc_stop   our own pcscd -f (log $T/pcscd.log); never touches a pcscd we did not start
#   card_make [OPTIONS...]   a synthetic identity in $CARD_DIR (sim/card/make-test-card.sh)
#   card_insert [OPTIONS...] orca-onshi-card-sim --identity $CARD_DIR --port $VPCD_PORT OPTIONS (stderr
#                            in $T/card.log); waits until pcscd reports the card present
#   card_remove              SIGTERM to it; waits until pcscd reports no card; its apdus= in $CARD_APDUS
#   assert_no_pin PIN SQL FILE...   the PIN (as a number of its own: timestamps and ids are digits too)
#                            in none of the FILEs (missing ones skipped) nor in what SQL returns
#   card_person              K (population index), PTID, PTNUM, NAME, BIRTH, SEX of a person in ORCA, linked
#                            by construction, one 保険 result, no 外字 (after env_setup; needs q)
PCSCD_PID=
CARD_PID=
CARD_APDUS=
CARD_DIR=${CARD_DIR:-$T/card}
CARD_SIM=$top_builddir/orca-onshi-card-sim
APDU_PROBE=$top_builddir/tests/card/apdu_probe
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so

pcsc_available() {
  command -v pcscd >/dev/null 2>&1 || { echo "pcscd not installed" >&2; return 1; }
  [ -e "$VPCD_DRIVER" ] || { echo "vsmartcard-vpcd not installed" >&2; return 1; }
  [ "$(id -u)" = 0 ] || { echo "pcscd needs root here" >&2; return 1; }
}

# A TCP port with the next one free as well (vpcd listens on PORT for slot 0 and PORT+1 for slot 1).
pcsc_free_port() {
  local p i used
  used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
  for i in $(seq 1 50); do
    p=$((40000 + (RANDOM % 10000) * 2))
    printf '%s\n' "$used" | grep -qx -e "$p" -e "$((p + 1))" || { echo "$p"; return 0; }
  done
  return 1
}

pcsc_start() {
  local dir=$T/pcsc i
  mkdir -p "$dir/run" "$dir/reader.conf.d" /run/pcscd
  if unshare -m --propagation private true 2>/dev/null; then
    VPCD_PORT=$(pcsc_free_port) || fail "no free port for vpcd"
    printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x%X\nLIBPATH      %s\nCHANNELID    0x%X\n' \
      "$VPCD_PORT" "$VPCD_DRIVER" "$VPCD_PORT" > "$dir/reader.conf.d/vpcd"
    PCSCLITE_CSOCK_NAME=$dir/run/pcscd.comm
    unshare -m --propagation private sh -c 'mount --bind "$1" /run/pcscd && exec pcscd -f -c "$2"' \
      pcscd "$dir/run" "$dir/reader.conf.d" >>"$T/pcscd.log" 2>&1 &
    PCSCD_PID=$!
  else
    [ -e /run/pcscd/pcscd.comm ] && fail "a system pcscd runs and no private one can be started (unshare)"
    VPCD_PORT=35963
    PCSCLITE_CSOCK_NAME=/run/pcscd/pcscd.comm
    pcscd -f >>"$T/pcscd.log" 2>&1 &
    PCSCD_PID=$!
  fi
  export PCSCLITE_CSOCK_NAME VPCD_PORT
  for i in $(seq 1 100); do [ -S "$PCSCLITE_CSOCK_NAME" ] && break; sleep 0.1; done
  [ -S "$PCSCLITE_CSOCK_NAME" ] || { cat "$T/pcscd.log" >&2; fail "pcscd did not create $PCSCLITE_CSOCK_NAME"; }
  "$APDU_PROBE" --wait-reader 10 || { cat "$T/pcscd.log" >&2; fail "pcscd lists no 'Virtual PCD' reader"; }
}

pcsc_stop() {
  card_remove
  if [ -n "$PCSCD_PID" ]; then
    kill "$PCSCD_PID" 2>/dev/null || true
    wait "$PCSCD_PID" 2>/dev/null || true
    PCSCD_PID=
  fi
}

card_make() { bash "$top_srcdir/sim/card/make-test-card.sh" "$CARD_DIR" "$@"; }

card_insert() {
  card_remove
  [ -f "$CARD_DIR/auth_cert.der" ] || card_make
  "$CARD_SIM" --identity "$CARD_DIR" --port "$VPCD_PORT" "$@" 2>>"$T/card.log" &
  CARD_PID=$!
  "$APDU_PROBE" --wait-card 10 || { cat "$T/card.log" >&2; fail "the card never showed as present"; }
}

card_remove() {
  [ -n "$CARD_PID" ] || return 0
  kill -TERM "$CARD_PID" 2>/dev/null || true
  wait "$CARD_PID" 2>/dev/null || true
  CARD_PID=
  CARD_APDUS=$(grep -o 'apdus=[0-9]*' "$T/card.log" | tail -n 1 | cut -d= -f2)
  "$APDU_PROBE" --wait-absent 10 || fail "the card still shows as present"
  # pcscd's event thread polls vpcd every ~400 ms; after a failed transmit the reader already shows
  # EMPTY before that thread has seen the removal, and a card inserted within that window is never
  # reported. Give it two polls.
  sleep 1
}

# card_test_begin SKIP_STATUS [CLEANUP...]: what every card test and benchmark starts with. Exits
# with SKIP_STATUS when pcscd or vpcd is missing; takes a lock so card runs do not overlap (each has
# its own pcscd, but pcscd's ~400 ms reader polling makes timing-sensitive checks flaky on a loaded
# 2-core machine); at exit stops pcscd, runs the given cleanups, then the test environment's.
card_test_begin() {
  local skip=$1; shift
  pcsc_available || { echo "SKIP: no pcscd/vpcd here"; exit "$skip"; }
  exec 9> /tmp/orca-onshi-card-tests.lock
  flock -w 600 9 || fail "another card test holds /tmp/orca-onshi-card-tests.lock"
  # shellcheck disable=SC2064 # the cleanups are fixed now, on purpose
  trap "pcsc_stop; ${*:+$*; }env_cleanup" EXIT
}

card_person() {
  K=$(awk -F'\t' 'NR > 1 && $3 != 0 && $4 == 1 && $5 == 0 && $6 == 0 && $10 == 1 && $11 == 1 { print $1; exit }' "$T/expect.tsv")
  [ -n "$K" ] || fail "no suitable person in the population"
  PTID=$(awk -F'\t' -v k="$K" '$1 == k { print $3 }' "$T/expect.tsv")
  PTNUM=$(awk -F'\t' -v k="$K" '$1 == k { print $2 }' "$T/expect.tsv")
  NAME=$(q "SELECT name FROM tbl_ptinf WHERE hospnum = 1 AND ptid = $PTID")
  BIRTH=$(q "SELECT birthday FROM tbl_ptinf WHERE hospnum = 1 AND ptid = $PTID")
  SEX=$(q "SELECT sex FROM tbl_ptinf WHERE hospnum = 1 AND ptid = $PTID")
  echo "person $K: ptid $PTID, 患者番号 $PTNUM, $NAME"
}

assert_no_pin() {
  local pin=$1 sql=$2 f out
  shift 2
  for f in "$@"; do
    [ -f "$f" ] || continue
    ! grep -qE "(^|[^0-9])$pin([^0-9]|\$)" "$f" || fail "the PIN in $f"
  done
  out=$(q "$sql")  # not on a pipe: grep -q closing it early must not turn a find into a pass
  ! grep -qE "(^|[^0-9])$pin([^0-9]|\$)" <<< "$out" || fail "the PIN in: $sql"
}

# consent_captured NAME ARGS...: `orca-onshi card consent ARGS` with the simulator stopped, so that the
# OQScrdq01req it publishes is copied to $T/NAME.req.xml before the simulator (started again) answers
# it. Its output is in $T/NAME.out and $T/NAME.err; fails unless it exits 0.
consent_captured() {
  local name=$1 runner req rc=0 i
  shift
  sim_stop
  onshi card consent "$@" < /dev/null > "$T/$name.out" 2> "$T/$name.err" &
  runner=$!
  for i in $(seq 1 100); do ls "$T"/req/OQScrdq01req_*.xml >/dev/null 2>&1 && break; sleep 0.1; done
  req=$(ls "$T"/req/OQScrdq01req_*.xml 2>/dev/null | head -n 1)
  [ -n "$req" ] || { kill "$runner"; cat "$T/$name.err"; fail "no OQScrdq01req published"; }
  cp "$req" "$T/$name.req.xml"
  sim_start
  wait "$runner" || rc=$?
  [ "$rc" = 0 ] || { cat "$T/$name.err"; fail "card consent ($name) exit $rc"; }
}
