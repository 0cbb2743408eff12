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
  cat > "$CONF" <<CONF
[database]
conninfo=host=$PGHOST port=$PGPORT user=postgres dbname=orca

[facility 1]
institution_code=$INST
transport=folder
req_dir=$T/req
res_dir=$T/res
archive_dir=$T/archive
poll_interval_ms=100
result_timeout_s=${RESULT_TIMEOUT_S:-30}
result_settle_ms=${RESULT_SETTLE_MS:-300}
pdf_dir=$T/pdf
p031_mark=star
CONF
  "$ONSHI" --config "$CONF" db migrate >/dev/null
}

# sim_start [OPTIONS...]: (re)starts the simulator on the test folders.
sim_start() {
  sim_stop
  "$SIM" serve --req-dir "$T/req" --res-dir "$T/res" --seed "$SEED" --size "$SIZE" --poll-ms 50 "$@" 2>>"$T/sim.log" &
  SIM_PID=$!
}
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
daemon_start() {
  env "$@" "$top_builddir/orca-onshid" --config "$CONF" --verbose >>"$T/daemon.log" 2>&1 &
  DAEMON_PIDS+=($!)
  LAST_DAEMON=$!
}
daemon_stop_all() {
  for p in "${DAEMON_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${DAEMON_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  DAEMON_PIDS=()
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
