#!/usr/bin/env bash
# The reference recipe's "up to date" answer, which every bootgate run that
# names the recipe pays for: it must come from shell builtins alone (no
# helper process), yet fall through to the full recipe hash whenever the
# recipe, packages or kernel could have changed, and refuse a stamp built
# for another kernel. Works on a copy of the built image in a temp dir.
#
# usage: harness/tests/recipe_fastpath_test.sh   (ctest: recipe_fastpath_test)
# (Not in images/reference/: every file there is part of the recipe's hash.)
set -euo pipefail
here=$(cd "$(dirname "$0")/../../images/reference" && pwd)
cache=$here/../.cache/reference
tmp=$(mktemp -d /tmp/bootgate-fastpath.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$here/build.sh" >/dev/null  # the image (cached or built) to copy
cp -p "$cache/reference.iso" "$cache/vmlinuz" "$cache/initrd.img" "$cache/stamp" "$tmp/"
touch "$tmp/stamp"  # newer than everything: the fast path applies

# 1. Fresh: "up to date" with no process besides env and bash themselves.
strace -f -qq -e trace=execve -e signal=none -o "$tmp/fast.trace" \
  "$here/build.sh" --out "$tmp" >"$tmp/fast.out"
grep -q "reference image up to date" "$tmp/fast.out" || fail "fresh stamp: $(cat "$tmp/fast.out")"
helpers=$(grep -v ' = -1 ' "$tmp/fast.trace" | grep -c 'execve(' || true)
[ "$helpers" -le 2 ] || fail "fast path ran helper processes: $(grep -v ' = -1 ' "$tmp/fast.trace" | grep 'execve(')"

# 2. A stamp older than the recipe: the full hash runs (many processes),
#    finds nothing changed, and renews the stamp so the fast path is back.
touch -d @100000 "$tmp/stamp"
strace -f -qq -e trace=execve -e signal=none -o "$tmp/full.trace" \
  "$here/build.sh" --out "$tmp" >"$tmp/full.out"
grep -q "reference image up to date" "$tmp/full.out" || fail "old stamp: $(cat "$tmp/full.out")"
full=$(grep -v ' = -1 ' "$tmp/full.trace" | grep -c 'execve(' || true)
[ "$full" -gt 10 ] || fail "an old stamp must fall through to the full hash (only $full execs)"
[ "$tmp/stamp" -nt "$here/build.sh" ] || fail "the full check did not renew the stamp"

# 3. A kernel named on the command line that the stamp was not built for
#    never takes the fast path (here it does not exist: the recipe fails).
if BOOTGATE_KVER=0.0-not-installed "$here/build.sh" --out "$tmp" >"$tmp/kver.out" 2>&1; then
  fail "a stamp for another kernel was accepted: $(cat "$tmp/kver.out")"
fi
grep -q "0.0-not-installed" "$tmp/kver.out" || fail "kernel mismatch: $(cat "$tmp/kver.out")"

# 4. A missing output is never "up to date" on the fast path.
rm "$tmp/initrd.img"
touch "$tmp/stamp"
strace -f -qq -e trace=execve -e signal=none -o "$tmp/missing.trace" \
  "$here/build.sh" --out "$tmp" >"$tmp/missing.out" 2>&1 || true
[ "$(grep -v ' = -1 ' "$tmp/missing.trace" | grep -c 'execve(' || true)" -gt 2 ] ||
  fail "a missing initrd.img took the fast path"

echo "recipe fast path: fresh $helpers exec(s), full check $full execs; all 4 cases pass"
