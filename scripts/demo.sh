#!/usr/bin/env bash
# The README's first command: on the embedded default (the OQS simulator + a throwaway PostgreSQL
# with ORCA's tables and synthetic patients) run a 訪問診療 bulk fetch and show the P031 list.
set -euo pipefail
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
top_srcdir=$PWD top_builddir=$PWD
. tests/lib/env.sh
SIZE=${DEMO_SIZE:-30}
echo "== ORCA stand-in database (EUC_JP) with synthetic patients, OQS simulator on $T"
env_setup "$SIZE"
sim_start --processing 1 --delay-ms 300
echo "== orca-onshi fetch --hospnum 1 --kind homecare"
onshi fetch --hospnum 1 --kind homecare
echo
echo "== orca-onshi jobs"
onshi jobs --hospnum 1
echo
echo "== orca-onshi p031 --hospnum 1   (what ORCA's P031 オン資格 lists today)"
onshi p031 --hospnum 1
