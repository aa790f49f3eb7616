#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine (as root): installs every package
# bootgate needs, builds it into build/, and builds the reference and Photon test images.
# Idempotent and incremental: a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
bash ci/install-ci-tools.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BOOTGATE_BUILD_TYPE:-Release}" >/dev/null
cmake --build build -j"$(nproc)"
images/reference/build.sh
# The Photon-compatible installer ISOs (2.3, 2.4, 2.7, 2.8, 2.9) for photon_vm_test; a few
# minutes the first time (mmdebstrap), then cached.
images/photon-test/build.sh
