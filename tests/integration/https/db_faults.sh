#!/usr/bin/env bash
# tests/integration/db_faults.sh over the HTTPS transport (資格確認限定型) against the simulator's HTTPS
# front: the same assertions (tests/lib/env.sh reads ONSHI_TEST_TRANSPORT).
ONSHI_TEST_TRANSPORT=https exec bash "$top_srcdir/tests/integration/db_faults.sh"
