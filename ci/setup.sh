#!/usr/bin/env bash
# Set-up on a fresh Debian 12 machine (as root), in two sizes:
#   ci/setup.sh        what a run of scenarios/reference.json needs, only:
#                      its Debian packages, bootgate and its libvirt plugin
#                      (those two targets), the reference image. The first
#                      quick-start command.
#   ci/setup.sh --all  everything else too: every package, the npm CI tools,
#                      every target (tests, benchmarks), the Photon test
#                      images. ci/test.sh runs this first, so the second
#                      quick-start command (`ci/setup.sh && ci/test.sh`) has
#                      the whole set-up.
# Idempotent and incremental: a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

all=0
case "${1:-}" in
  --all) all=1 ;;
  "") ;;
  *) echo "usage: ci/setup.sh [--all]" >&2; exit 2 ;;
esac

# The minimal set-up installs the build's packages first; the rest (QEMU,
# the kernel, the image tools: half of the download and most of dpkg's
# time, the kernel's initramfs included) installs while bootgate compiles,
# and the reference image builds as soon as it has. On a fresh machine
# that takes apt's second half off the critical path
# (harness/bench/fresh_machine.sh measures it).
image_job=
finish() { [ -z "$image_job" ] || wait "$image_job" 2>/dev/null || true; }
trap finish EXIT  # a failed build still lets apt finish: no dpkg cut short
if [ "$all" = 1 ]; then
  bash ci/install-deps.sh
  bash ci/install-ci-tools.sh
else
  bash ci/install-deps.sh --minimal-build
  { bash ci/install-deps.sh --minimal && images/reference/build.sh; } &
  image_job=$!
fi
# Ninja: one build tool for both sizes (a tree configured by one is reused
# by the other); no benchmarks in the minimal configuration.
generator=()
[ -f build/CMakeCache.txt ] || generator=(-G Ninja)
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE="${BOOTGATE_BUILD_TYPE:-Release}" \
  -DBOOTGATE_BENCH="$([ "$all" = 1 ] && echo ON || echo OFF)" >/dev/null
if [ "$all" = 1 ]; then
  cmake --build build -j"$(nproc)"
else
  cmake --build build -j"$(nproc)" --target bootgate bootgate-libvirt
fi
if [ -n "$image_job" ]; then
  wait "$image_job"  # its exit status: the rest of the packages, then the image
  image_job=
else
  images/reference/build.sh
fi
if [ "$all" = 1 ] && [ "${BOOTGATE_PHOTON_VM:-1}" != 0 ]; then
  # The Photon-compatible installer ISOs (2.3, 2.4, 2.7, 2.8, 2.9) for
  # photon_vm_test (BOOTGATE_PHOTON_VM=0 leaves both out): ~4.5 min the
  # first time on this machine (Debian's pieces downloaded into the user's
  # cache, shared by every checkout), then ~40 s a checkout.
  images/photon-test/build.sh
fi
