#!/usr/bin/env bash
# Fuzzes bootgate's parsers of untrusted text with libFuzzer: scenario files,
# the serial console (line splitter, sanitiser, pattern matcher), the
# pattern engine (RE2: any pattern on any text in linear time), the guest's
# /proc/meminfo and df output, and report JSON. Configures a separate clang
# build dir (ASan + UBSan; LeakSanitizer is on with ASan), builds the fuzzers
# and runs each for a bounded time from its seed corpus in
# harness/fuzz/corpus/<target>/. Fails on any crash, leak, timeout or
# out-of-memory; the input that triggered it is left in the work dir.
#
# Usage: ci/fuzz.sh [seconds-per-target] [target...]
#   default 60 s; targets: scenario console regex meminfo df report explain (all)
# Env: BOOTGATE_FUZZ_BUILD (build dir, default build-fuzz)
set -euo pipefail

secs=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BOOTGATE_FUZZ_BUILD:-$root/build-fuzz}
targets=("$@")
((${#targets[@]})) || targets=(scenario console regex meminfo df report explain)

# Longest input per target: big enough to cross the bounds the product
# enforces (the console's 4096-byte lines), small enough to stay fast.
declare -A max_len=([scenario]=8192 [console]=16384 [regex]=65536 [meminfo]=4096 [df]=4096 [report]=65536 [explain]=16384)

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is needed (ci/install-deps.sh installs it)" >&2; exit 2; }
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DBOOTGATE_FUZZ=ON -DBOOTGATE_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
printf '\n%-10s %12s %8s %10s %s\n' target executions seconds corpus result
for t in "${targets[@]}"; do
  work=$build/fuzz-work/$t
  mkdir -p "$work/corpus"
  log=$work/fuzz.log
  set +e
  # New inputs go to the first corpus dir; the seeds stay untouched.
  "$build/harness/fuzz/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=512 -timeout=5 \
    -max_len="${max_len[$t]:-4096}" -print_final_stats=1 -artifact_prefix="$work/" \
    "$work/corpus" "$root/harness/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  units=$(find "$work/corpus" -type f | wc -l)
  if ((rc == 0)); then
    result=ok
  else
    result="FAILED (exit $rc; log $log)"
    failed+=("$t")
  fi
  printf '%-10s %12s %8s %10s %s\n' "$t" "${execs:-?}" "${took:-?}" "$units" "$result"
  if ((rc != 0)); then
    grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|deadly signal" "$log" >&2 || true
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2 || true
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no findings in ${#targets[@]} target(s), ${secs} s each"
