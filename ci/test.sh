#!/usr/bin/env bash
# Runs the whole test suite: unit tests, integration tests against real
# servers (sshd, Prometheus, Pushgateway, libvirtd) and VM tests that boot
# real images under QEMU. Starts the services the tests need. Run ci/setup.sh
# first. Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

# libvirtd for the libvirt backend tests (qemu:///system).
if [ -x ci/start-libvirtd.sh ]; then bash ci/start-libvirtd.sh; fi

# The parsers of untrusted input, fuzzed for a bounded time (ASan, UBSan,
# LeakSanitizer); BOOTGATE_FUZZ_SECONDS=0 skips it.
fuzz_s=${BOOTGATE_FUZZ_SECONDS:-10}
if [ "$fuzz_s" -gt 0 ]; then bash ci/fuzz.sh "$fuzz_s"; fi

cd build
# Unit and integration tests in parallel; VM tests two at a time (2 cores):
# their budgets are for TCG on a loaded host, see scenarios/*.json.
ctest --output-on-failure -j2 -LE vm
ctest --output-on-failure -j2 -L vm
