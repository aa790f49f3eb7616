#!/usr/bin/env bash
# What users expect of a command-line tool, on the real binary: --version
# says CMake's project version; colour only on a terminal (script(1) gives
# one) and never with NO_COLOR (any non-empty value) or --no-color; a bad
# --timeout-scale is refused before anything runs.
#
# Usage: cli_conventions_test.sh BOOTGATE_BINARY VERSION
set -euo pipefail
bin=$1
version=$2
fail() { echo "cli_conventions_test: FAIL: $*" >&2; exit 1; }
esc=$'\x1b['

[ "$("$bin" --version)" = "bootgate $version" ] || fail "--version: $("$bin" --version)"

# Each doctor run probes KVM for a few seconds; the state and cache stay
# private to this test.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BOOTGATE_STATE_DIR=$tmp/state BOOTGATE_CACHE_DIR=$tmp/cache
on_tty() { TERM=xterm script -qec "$1" /dev/null; }

on_tty "$bin doctor" >"$tmp/tty.out" || true
grep -qF "${esc}32mOK" "$tmp/tty.out" || fail "no colour on a terminal: $(head -3 "$tmp/tty.out")"
NO_COLOR=1 on_tty "$bin doctor" >"$tmp/nocolor.out" || true
grep -qF "$esc" "$tmp/nocolor.out" && fail "colour despite NO_COLOR=1"
on_tty "$bin doctor --no-color" >"$tmp/flag.out" || true
grep -qF "$esc" "$tmp/flag.out" && fail "colour despite --no-color"
"$bin" doctor >"$tmp/pipe.out" 2>&1 || true
grep -qF "$esc" "$tmp/pipe.out" && fail "colour into a pipe"
grep -q "^OK " "$tmp/pipe.out" || fail "doctor's plain output changed: $(head -3 "$tmp/pipe.out")"

scenario=${BOOTGATE_SOURCE_DIR:-$(dirname "$0")/../..}/scenarios/reference.json
for bad in 0 -1 abc; do
  set +e
  "$bin" run --timeout-scale "$bad" "$scenario" >"$tmp/bad.out" 2>&1
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "--timeout-scale $bad: exit $rc, not 2: $(cat "$tmp/bad.out")"
  grep -q "timeout-scale" "$tmp/bad.out" || fail "--timeout-scale $bad: $(cat "$tmp/bad.out")"
done
echo "cli_conventions_test: 1 passed, 0 failed"
