#!/usr/bin/env bash
# Derives a slowed copy of the Debian 12 image (images/debian/build.sh) for
# a planted boot regression: one extra unit, bootgate-slow-boot.service,
# that sleeps 2 s after cloud-init.service and before sysinit.target, so
# that it sits in the default target's critical chain and delays everything
# after sysinit (sshd, the getty). Nothing else differs from the built disk.
# No mounts or loop devices: the disk is converted to raw, the unit file and
# its sysinit.target.wants/ link are written into the ext4 root with
# `debugfs -w` (the partition starts at 1 MiB), and the result is converted
# back to a standalone qcow2 (~450 MiB; a few seconds).
#
# Usage: harness/tests/debian_slow_boot.sh BASE.qcow2 OUT.qcow2
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 BASE.qcow2 OUT.qcow2" >&2; exit 2; }
base=$(realpath "$1")
out=$2
tmp=$(mktemp -d "${out%/*}/.slow.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/unit" <<'UNIT'
[Unit]
Description=bootgate planted boot regression (sleeps 2 s)
DefaultDependencies=no
After=cloud-init.service
Before=sysinit.target

[Service]
Type=oneshot
# Active once done: critical-chain follows only units with an activation
# time (a oneshot without it goes straight back to inactive).
RemainAfterExit=yes
ExecStart=/bin/sleep 2

[Install]
WantedBy=sysinit.target
UNIT
qemu-img convert -O raw "$base" "$tmp/disk.raw"
u=bootgate-slow-boot.service
d=/etc/systemd/system
# mkdir fails harmlessly where the directory exists already.
debugfs -w -f - "$tmp/disk.raw?offset=1048576" >"$tmp/debugfs.log" 2>&1 <<CMDS
mkdir $d/sysinit.target.wants
write $tmp/unit $d/$u
sif $d/$u mode 0100644
symlink $d/sysinit.target.wants/$u $d/$u
CMDS
# debugfs exits 0 even when a command fails: check what it wrote.
debugfs -R "stat $d/sysinit.target.wants/$u" "$tmp/disk.raw?offset=1048576" 2>/dev/null |
    grep -q "Type: symlink" || { cat "$tmp/debugfs.log" >&2; echo "$0: the unit was not planted" >&2; exit 1; }
debugfs -R "cat $d/$u" "$tmp/disk.raw?offset=1048576" 2>/dev/null | grep -q "ExecStart=/bin/sleep 2" ||
    { cat "$tmp/debugfs.log" >&2; echo "$0: the unit file is not there" >&2; exit 1; }
qemu-img convert -O qcow2 "$tmp/disk.raw" "$tmp/out.qcow2"
mv "$tmp/out.qcow2" "$out"
