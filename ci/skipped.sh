#!/usr/bin/env bash
# Prints every test the last ctest run in <build-dir> skipped, with its
# reason, for the CI log's summary: a ctest test that exited 77 (SKIP_RETURN_CODE)
# with its "SKIP: ..." line, and every gtest case that called GTEST_SKIP()
# (ctest counts those as passed) with its message. Exit 0; prints nothing
# when nothing was skipped.
#
# Usage: ci/skipped.sh <build-dir>
set -euo pipefail
log=${1:?usage: ci/skipped.sh BUILD_DIR}/Testing/Temporary/LastTest.log
[ -f "$log" ] || exit 0
awk '
  /^[0-9]+\/[0-9]+ Test: / { test = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", test); next }
  /^Output:$/ { out = 1; next }
  /^<end of output>$/ { out = 0; next }
  !out { next }
  /: Skipped$/ { want_reason = 1; next }
  want_reason && NF { reason = $0; want_reason = 0; next }
  /^\[  SKIPPED \] [^ ]+ \(/ {
    name = $4
    printf "SKIPPED %s: %s: %s\n", test, name, (reason == "" ? "(no reason given)" : reason)
    reason = ""; next
  }
  /SKIP: / { line = $0; sub(/.*SKIP: /, "", line); printf "SKIPPED %s: %s\n", test, line }
' "$log" | sort -u
