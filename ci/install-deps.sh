#!/usr/bin/env bash
# Installs every Debian 12 package bootgate needs to build, to build its
# images and to run its tests. Idempotent: packages already present are skipped.
set -euo pipefail

PACKAGES=(
  # build
  cmake g++ make pkg-config clang ccache
  # the sanitizer builds (ci/sanitize.sh: Ninja; ASan needs libtirpc linked
  # from the start, see CMakeLists.txt)
  ninja-build libtirpc-dev
  # libraries
  libssh-dev nlohmann-json3-dev prometheus-cpp-dev libgtest-dev libgmock-dev
  googletest libbenchmark-dev libsqlite3-dev libcli11-dev libfmt-dev
  libxml2-dev
  libvirt-dev libre2-dev libcrypt-dev
  # hypervisors
  qemu-system-x86 qemu-utils ovmf libvirt-daemon-system
  # images
  linux-image-cloud-amd64 busybox-static dropbear-bin openssh-server
  openssh-client grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
  cpio gzip lz4 dosfstools e2fsprogs fdisk openssh-sftp-server
  # reading installer initrds (runner/initramfs.h): their decompressors
  xz-utils bzip2
  # the Debian 12 systemd image (images/debian/build.sh)
  mmdebstrap
  # the Photon-compatible test ISOs (images/photon-test/build.sh): the
  # installer's JSON parsing and its payload's compression
  jq zstd
  # reports and tests
  gnuplot-nox prometheus prometheus-pushgateway chromium sqlite3 python3
  curl procps iproute2 python3-yaml strace tmux time
  # the CI pipelines run here (ci/tools: gitlab-ci-local copies the tree
  # with git and rsync; the npm tools run on Node.js)
  git rsync nodejs
  # packaging (issue #18): the man page from --help, the completion's
  # helpers, CPack's DEB generator (dpkg-shlibdeps) and the package test
  help2man bash-completion dpkg-dev fakeroot file
)

# --minimal: only what `ci/setup.sh` (no --all) needs to build bootgate and
# its libvirt plugin, build the reference image and run
# scenarios/reference.json with its HTML report. --minimal-build: the part
# of it the build needs (GTest: CMake's configure step requires it), which
# ci/setup.sh installs first, so the rest installs while bootgate compiles.
MINIMAL_BUILD=(
  cmake g++ pkg-config ccache ninja-build libtirpc-dev
  libssh-dev nlohmann-json3-dev prometheus-cpp-dev libgtest-dev libgmock-dev
  libsqlite3-dev libcli11-dev libfmt-dev libxml2-dev libvirt-dev libre2-dev
  libcrypt-dev
)
MINIMAL=(
  "${MINIMAL_BUILD[@]}"
  qemu-system-x86 qemu-utils
  linux-image-cloud-amd64 busybox-static dropbear-bin grub-pc-bin
  grub-efi-amd64-bin grub-common xorriso mtools cpio gzip lz4 dosfstools
  e2fsprogs fdisk openssh-client
  gnuplot-nox
)
case "${1:-}" in
  "") want=("${PACKAGES[@]}") ;;
  --minimal) want=("${MINIMAL[@]}") ;;
  --minimal-build) want=("${MINIMAL_BUILD[@]}") ;;
  *) echo "usage: ci/install-deps.sh [--minimal | --minimal-build]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "bootgate: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Services must not start at install time in containers and CI sandboxes;
  # the test set-up starts the ones it needs itself.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -z "${1:-}" ] || exit 0
# npm: bundled with some Node.js builds (then there is no Debian npm package
# to add, and adding it would conflict), a package of its own in Debian's.
if ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
