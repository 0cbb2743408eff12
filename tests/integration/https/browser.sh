#!/usr/bin/env bash
# tests/integration/browser.sh over the HTTPS transport (資格確認限定型) against the simulator's HTTPS
# front: the same screens and assertions; screenshots of this run go to tests/screenshots/https/.
ONSHI_TEST_TRANSPORT=https SCREENSHOT_DIR=${SCREENSHOT_DIR:-$top_srcdir/tests/screenshots/https} \
  exec bash "$top_srcdir/tests/integration/browser.sh"
