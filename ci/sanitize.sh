#!/usr/bin/env bash
# Builds and runs tests under sanitizers in their own build dir.
#
# Usage: ci/sanitize.sh <sanitizers> <build-dir> [test...]
#   sanitizers: "address,undefined" or "thread" (-DBOOTGATE_SANITIZE)
#   tests: ctest names; default every unit and integration test (not the VM
#   tests: under a sanitizer QEMU boots would only measure the sanitizer).
# Any sanitizer report fails the test that triggered it (halt_on_error).
# Suppressions for findings inside libraries we do not build are in
# ci/sanitizers/<tool>.supp, each with the reason.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitizers=$1
build=$root/$2
shift 2
tests=("$@")
start=$(date +%s)

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DBOOTGATE_SANITIZE="$sanitizers" -DBOOTGATE_BENCH=OFF >/dev/null
if ((${#tests[@]} == 0)); then
  mapfile -t tests < <(cd "$build" && ctest -N -LE vm | sed -n 's/^ *Test *#[0-9]*: //p')
fi
# Test executables share their test's name; the script tests need none.
# The target list is read once: `ninja ... | grep -q` under pipefail fails
# whenever grep stops reading early (SIGPIPE), which dropped targets at random.
known=$(cd "$build" && ninja -t targets all | sed 's/:.*//')
has_target() { grep -qxF -- "$1" <<<"$known"; }
targets=(bootgate)
has_target bootgate-libvirt && targets+=(bootgate-libvirt)
for t in "${tests[@]}"; do
  if has_target "$t"; then targets+=("$t"); fi
done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
built=$(date +%s)

supp=$root/ci/sanitizers
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1:symbolize=1:suppressions=$supp/asan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp}
# GLib's slice allocator hands memory between threads through per-thread
# magazines ThreadSanitizer cannot see; plain malloc it can (glib < 2.76).
export G_SLICE=always-malloc
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp}
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
# A test named here that ctest does not know (renamed, not built) fails the
# run instead of shrinking it silently; --no-tests=error below catches the
# case where none is left.
known_tests=$(cd "$build" && ctest -N | sed -n 's/^ *Test *#[0-9]*: //p')
for t in "${tests[@]}"; do
  if ! grep -qxF -- "$t" <<<"$known_tests"; then
    echo "sanitize.sh: no test named '$t' in $build (ctest -N lists the names)" >&2
    exit 2
  fi
done
set +e
(cd "$build" && ctest --output-on-failure --no-tests=error -j2 -R "$regex")
rc=$?
set -e
end=$(date +%s)
echo "sanitize.sh: $sanitizers: build $((built - start)) s, tests $((end - built)) s (${#tests[@]} tests)"
exit $rc
