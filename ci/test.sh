#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests against real
# servers (sshd, Prometheus, Pushgateway, libvirtd) and VM tests that boot
# real images under QEMU. Starts the services the tests need. Run ci/setup.sh
# first; this completes it (ci/setup.sh --all: every package, the npm CI
# tools, every test target, the Photon test images). Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh --all

# libvirtd for the libvirt backend tests (qemu:///system).
if [ -x ci/start-libvirtd.sh ]; then bash ci/start-libvirtd.sh; fi

# The parsers of untrusted input, fuzzed for a bounded time (ASan, UBSan,
# LeakSanitizer); BOOTGATE_FUZZ_SECONDS=0 skips it.
fuzz_s=${BOOTGATE_FUZZ_SECONDS:-10}
if [ "$fuzz_s" -gt 0 ]; then bash ci/fuzz.sh "$fuzz_s"; fi

# Every skipped test with its reason, into the log's summary, even when a
# test failed (a skip must never pass unnoticed).
skips() { bash ci/skipped.sh build || true; }

# Unit and integration tests in parallel.
rc=0
(cd build && ctest --output-on-failure --no-tests=error -j2 -LE vm) || rc=$?
skips
[ "$rc" -eq 0 ] || exit "$rc"

# The unit and integration tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan), and the threaded ones (console
# reader, worker pool, libvirt event loop, SSH attempts, signal watcher,
# history writers) under ThreadSanitizer (build-tsan): separate build dirs,
# only the targets those tests need (-DBOOTGATE_SANITIZE, see
# CMakeLists.txt). Before the VM tests, whose timing they would disturb.
# Measured 2026-12-07 on the 2-core machine, shared (another job's VM
# installs beside it, load 5-7), so slower than an idle one: with the
# compiler cache warm (ccache, shared by clones of the tree), fresh build
# dirs, ASan build 80 s + tests 163 s (46 tests), TSan build 39 s + tests
# 30 s (7 tests). From a cold cache TSan built in 476 s; ASan had built 180
# of its 226 targets after 1660 s when stopped (an earlier tree's cold
# build: 594 s, README "Sanitizers").
# BOOTGATE_SANITIZERS=0 skips them.
if [ "${BOOTGATE_SANITIZERS:-1}" != 0 ]; then
  bash ci/sanitize.sh address,undefined build-asan
  bash ci/sanitize.sh thread build-tsan \
    console_test runner_test stages_test libvirt_domain_test ssh_retry_test util_test \
    history_concurrency_test
else
  echo "NOT RUN sanitizers: BOOTGATE_SANITIZERS=0"
fi

# VM tests two at a time (2 cores): their budgets are for TCG on a loaded
# host, see scenarios/*.json. On the CI machine (BOOTGATE_REQUIRE_ALL=1, the
# default here) a VM test that cannot run its real case fails instead of
# skipping: a skip must not let CI pass without the real thing.
export BOOTGATE_REQUIRE_ALL=${BOOTGATE_REQUIRE_ALL:-1}
# photon_vm_test installs the Photon stand-in three times by package manager
# under TCG: 281 s an install with the host otherwise idle, 440-630 s with
# other VMs and compiles beside it (images/photon-test/README.md), and the
# test took 2016 s at load 5-7 (~20 min expected on a quiet host): more than
# CI's ~12 min to spare, and over the 300 s TCG budget under load. It runs
# with BOOTGATE_PHOTON_VM=1 (ci/setup.sh --all then builds the stand-in ISOs
# too); without, it is left
# out of this run and said so. photon_layout_dryrun_test (above) still
# checks every installer version's detection and kickstart on GA-layout ISOs.
photon=()
if [ "${BOOTGATE_PHOTON_VM:-0}" != 1 ]; then
  photon=(-E '^photon_vm_test$')
  echo "NOT RUN photon_vm_test: three package-manager installs of the Photon stand-in take 281-630 s each under TCG (by host load; budget 300 s) and ~20-34 min in all (issue 23 open); BOOTGATE_PHOTON_VM=1 runs it"
fi
(cd build && ctest --output-on-failure --no-tests=error -j2 -L vm "${photon[@]}") || rc=$?
skips
[ "${#photon[@]}" = 0 ] || echo "NOT RUN photon_vm_test (see above: BOOTGATE_PHOTON_VM=1 runs it)"
exit "$rc"
