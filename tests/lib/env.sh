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
SEED=${SEED:-1}
INST=1310000017
TODAY=$(date +%Y%m%d)

env_cleanup() {
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
result_timeout_s=30
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

# Expected figures from the simulator's own account of the population (built by construction,
# not by matching): rows written, units held, persons linked.
expect_sum() { awk -F'\t' -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } { s += $h[col] } END { print s + 0 }' "$T/expect.tsv"; }
expected_rows() { awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["held"] == 0 { s += $h["results"] } END { print s + 0 }' "$T/expect.tsv"; }
expected_linked() { awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["held"] == 0 && $h["expected_ptid"] != 0 { n++ } END { print n + 0 }' "$T/expect.tsv"; }
P031_WHERE="hospnum = 1 AND kakuninymd = '$TODAY' AND orca_shokai_kbn <> '1' AND scr_dltflg = '' AND result_kbn = '1'"
