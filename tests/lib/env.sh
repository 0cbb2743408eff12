# Test environment: PostgreSQL with the ORCA stand-in and synthetic patients, the OQS simulator on
# temp folders, and a configuration for facility 1. Source it from a test; call env_setup SIZE.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
ONSHI=$top_builddir/orca-onshi
SIM=$top_builddir/orca-onshi-sim
. "$top_srcdir/tests/lib/pg.sh"

T=$(mktemp -d /tmp/onshi-test.XXXXXX)
SIM_PID=
DAEMON_PIDS=()
SEED=${SEED:-1}
INST=1310000017
TODAY=$(date +%Y%m%d)
# ONSHI_TEST_TRANSPORT=https: the same test over the HTTPS transport (資格確認限定型): the simulator's
# HTTPS front (a test CA made now) before its own folders $T/req and $T/res; the module's spool is
# $T/spool/{req,res}; the device is activated at the first sim_start. HTTP_FAULTS: --http-fault LIST.
TRANSPORT=${ONSHI_TEST_TRANSPORT:-folder}
HTTPS_PORT=

env_cleanup() {
  for p in "${DAEMON_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  pg_stop
  if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap env_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
# assert_eq WHAT EXPECTED ACTUAL
assert_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; ok "$1 = $3"; }
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# env_setup SIZE: database, stand-in tables, patients, folders, configuration.
env_setup() {
  SIZE=$1
  pg_start "$T/pg"
  psql -Xq -v ON_ERROR_STOP=1 -f "$top_srcdir/sql/orca/orca_standin.sql" >/dev/null
  "$SIM" populate --seed "$SEED" --size "$SIZE" --hospnum 1 --today "$TODAY" | psql -Xq -v ON_ERROR_STOP=1 >/dev/null
  "$SIM" expect --seed "$SEED" --size "$SIZE" --today "$TODAY" > "$T/expect.tsv"
  # ORCA's settings for facility 1: 1001 (医療機関情報) and 1051 (オン資: 照会する, HOUMON/ONLINE off).
  q "INSERT INTO tbl_syskanri (hospnum, kanricd, kbncd, styukymd, edyukymd, kanritbl, termid, opid, creymd, upymd, uphms) VALUES
     (1, '1001', '*', '00000000', '99999999', '模擬診療所', '', '', '$TODAY', '$TODAY', '000000'),
     (1, '1051', '*', '00000000', '99999999', '1' || repeat(' ', 213) || '00', '', '', '$TODAY', '$TODAY', '000000')" > /dev/null
  mkdir -p "$T/req" "$T/res" "$T/archive"
  CONF=$T/orca-onshi.conf
  local transport_keys="transport=folder
req_dir=$T/req
res_dir=$T/res"
  if [ "$TRANSPORT" = https ]; then
    https_setup
    transport_keys="transport=https
base_url=https://127.0.0.1:$HTTPS_PORT
user_id=U1310000017
password_file=$T/tls/password
activation_code=$ACTIVATION_CODE
device_file=$T/device-1
ca_file=$T/tls/ca.pem
req_dir=$T/spool/req
res_dir=$T/spool/res"
  fi
  cat > "$CONF" <<CONF
[database]
conninfo=host=$PGHOST port=$PGPORT user=postgres dbname=orca

[facility 1]
institution_code=$INST
$transport_keys
archive_dir=$T/archive
poll_interval_ms=100
result_timeout_s=${RESULT_TIMEOUT_S:-30}
result_settle_ms=${RESULT_SETTLE_MS:-300}
pdf_dir=$T/pdf
p031_mark=star
CONF
  "$ONSHI" --config "$CONF" db migrate >/dev/null
}

# https_setup: a test CA and a server certificate for 127.0.0.1 (openssl), the facility's password file
# (0640), its activation code, a free port for the simulator's HTTPS front.
https_setup() {
  local d=$T/tls
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=orca-onshi test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || fail "openssl: test CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || fail "openssl: server key"
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$d/ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/ext" \
    -out "$d/server.pem" 2>/dev/null || fail "openssl: server certificate"
  printf 'pw-%s-secret\n' "$RANDOM$RANDOM" > "$d/password"
  chmod 0640 "$d/password"
  HTTPS_PASSWORD=$(head -n 1 "$d/password")
  ACTIVATION_CODE=482917305561
  HTTPS_PORT=$(free_port 30000 20000)
}

# free_port [FROM SPAN]: a TCP port in FROM..FROM+SPAN-1 (default 20000..39999) that no socket on this
# machine uses now (ss); fails after 50 tries.
free_port() {
  local from=${1:-20000} span=${2:-20000} used i p
  used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
  for i in $(seq 1 50); do
    p=$((from + RANDOM % span))
    printf '%s\n' "$used" | grep -qx "$p" || { echo "$p"; return 0; }
  done
  fail "no free TCP port in $from..$((from + span - 1))"
}

# web_setup [KEY=VALUE...]: the screens of the test configuration on a free loopback port ([web]
# listen, static_dir, and these keys too); PORT, BASE, and JAR (a cookie jar) for api().
web_setup() {
  command -v curl >/dev/null || fail "curl is not installed"
  PORT=$(free_port)
  { printf '\n[web]\nlisten=127.0.0.1:%s\nstatic_dir=%s\n' "$PORT" "$top_srcdir/screens"; [ $# -eq 0 ] || printf '%s\n' "$@"; } >> "$CONF"
  BASE=http://127.0.0.1:$PORT
  JAR=$T/cookies
}
# api METHOD PATH [curl args...]: the screens' answer, its body and then its status on the last line.
api() {
  local m=$1 p=$2; shift 2
  curl -s -m 20 -b "$JAR" -c "$JAR" -X "$m" -w '\n%{http_code}' "$@" "$BASE$p"
}

# sim_start [OPTIONS...]: (re)starts the simulator on the test folders (and its HTTPS front).
sim_start() {
  sim_stop
  local https_args=()
  if [ "$TRANSPORT" = https ]; then
    rm -f "$T/https.port"
    https_args=(--https "$HTTPS_PORT" --https-port-file "$T/https.port" --tls-cert "$T/tls/server.pem" --tls-key "$T/tls/server.key"
                --https-user U1310000017 --https-password-file "$T/tls/password" --activation-code "$ACTIVATION_CODE"
                ${HTTP_FAULTS:+--http-fault "$HTTP_FAULTS"})
  fi
  "$SIM" serve --req-dir "$T/req" --res-dir "$T/res" --seed "$SEED" --size "$SIZE" --poll-ms 50 "${https_args[@]}" "$@" 2>>"$T/sim.log" &
  SIM_PID=$!
  if [ "$TRANSPORT" = https ]; then
    local i
    for i in $(seq 1 100); do [ -s "$T/https.port" ] && break; kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.05; done
    [ -s "$T/https.port" ] || { cat "$T/sim.log" >&2; fail "the simulator's HTTPS front did not start"; }
    if [ ! -s "$T/device-1" ]; then
      "$ONSHI" --config "$CONF" activate --hospnum 1 >/dev/null || fail "orca-onshi activate"
    fi
  fi
}
# sim_handled PATTERN: how many request files the simulator took that match (its HTTPS front's own
# lines, which name the files too, are not counted).
sim_handled() { grep -v 'orca-onshi-sim: https ' "$T/sim.log" | grep -c -- "$1" || true; }
sim_stop() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=; fi
}

onshi() { "$ONSHI" --config "$CONF" "$@"; }

# Empties the module's own tables (jobs, results, review, ...) and, with "all", ORCA's rows it wrote.
clear_results() {
  local orca=""
  [ "${1:-}" = all ] && orca="tbl_onshi_kaku, tbl_onshi_houmon, tbl_onshi_aidlst,"
  q "TRUNCATE $orca onshi.review_audit, onshi.review, onshi.validity_change, onshi.pdf_file, onshi.result_unit,
     onshi.result_file, onshi.job" > /dev/null
}

# daemon_start [ENV=VALUE...]: one more orca-onshid on the test configuration (logs in $T/daemon.log).
# ONSHID: the daemon program (tests/integration/daemon_kill.sh: the test build with failpoints).
ONSHID=${ONSHID:-$top_builddir/orca-onshid}
daemon_start() {
  env "$@" "$ONSHID" --config "$CONF" --verbose >>"$T/daemon.log" 2>&1 &
  DAEMON_PIDS+=($!)
  LAST_DAEMON=$!
}
daemon_stop_all() {
  for p in "${DAEMON_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${DAEMON_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  DAEMON_PIDS=()
}
# log_mark: remember where the daemon's log ends now; wait_log PATTERN SECONDS then waits for a line
# matching PATTERN (grep -E) written after that mark, so a line left by an earlier daemon never counts.
log_mark() { LOG_MARK=$(stat -c %s "$T/daemon.log" 2>/dev/null || echo 0); }
wait_log() {
  local i
  for i in $(seq 1 $(($2 * 10))); do
    tail -c +$((LOG_MARK + 1)) "$T/daemon.log" > "$T/daemon.log.since" 2>/dev/null
    grep -qE "$1" "$T/daemon.log.since" && return 0
    sleep 0.1
  done
  fail "timed out after $2 s waiting for a new daemon log line: $1"
}
# lock_table TABLE: another session takes TABLE IN ACCESS EXCLUSIVE MODE and holds it (a transaction
# kept open through a FIFO on descriptor 7); lock_held TABLE counts that granted lock (1 while held);
# unlock_table commits and fails if the locking session failed.
lock_table() {
  LOCKED_TABLE=$1
  rm -f "$T/lock.fifo"
  mkfifo "$T/lock.fifo"
  psql -XAtq -v ON_ERROR_STOP=1 < "$T/lock.fifo" > "$T/lock.out" 2>&1 &
  LOCKER=$!
  exec 7>"$T/lock.fifo"
  echo "BEGIN; LOCK TABLE $1 IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&7
  local i
  for i in $(seq 1 100); do grep -q locked "$T/lock.out" && return 0; sleep 0.1; done
  fail "could not lock $1"
}
lock_held() {
  q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '${1:-$LOCKED_TABLE}' AND l.mode = 'AccessExclusiveLock' AND l.granted"
}
unlock_table() {
  echo "COMMIT;" >&7
  exec 7>&-
  wait "$LOCKER" || fail "the locking session failed: $(cat "$T/lock.out")"
}
# wait_sql SQL SECONDS: until the query answers 't'.
wait_sql() {
  local i
  for i in $(seq 1 $(($2 * 10))); do
    [ "$(q "$1" 2>/dev/null)" = t ] && return 0
    sleep 0.1
  done
  fail "timed out after $2 s waiting for: $1"
}

# Sums over the simulator's `expect` table. expect_where COND VALUE [FILE]: the sum of VALUE over the
# rows where COND holds, both awk expressions over the columns by name, prefixed c_ (c_held, c_results, ...).
expect_where() {
  local file=${3:-$T/expect.tsv} assigns="" i=1 col
  for col in $(head -n 1 "$file"); do assigns+="c_$col = \$$i; "; i=$((i + 1)); done
  awk -F'\t' "NR > 1 { $assigns if ($1) s += $2 } END { print s + 0 }" "$file"
}

# Expected figures from the simulator's own account of the population (built by construction,
# not by matching). TREATMENT selects who a 訪問診療 (homecare) or オンライン診療 request returns.
expect_sum() { expect_where 1 "c_$1"; }
expected_rows() { expect_where "c_held == 0 ${1:+&& c_treatment == \"$1\"}" c_results; }
expected_linked() { expect_where "c_held == 0 && c_expected_ptid != 0 ${1:+&& c_treatment == \"$1\"}" 1; }
P031_WHERE="hospnum = 1 AND kakuninymd = '$TODAY' AND orca_shokai_kbn <> '1' AND scr_dltflg = '' AND result_kbn = '1'"
