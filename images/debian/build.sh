#!/usr/bin/env bash
# Builds a Debian 12 image with a full systemd userspace: the kind of
# distribution bootgate must handle besides the busybox reference image.
# Debian minbase + systemd, udev, systemd-networkd (DHCP), OpenSSH, cloud-init
# and the linux-image-cloud-amd64 kernel with its initramfs-tools initrd, installed
# by mmdebstrap from the Debian archive this host's apt is configured for.
# GRUB (BIOS) sits in the disk's MBR gap with a 1 s menu on the serial
# console. No loop devices or mounts: the root file system is made with
# `mke2fs -d`, GRUB's boot sector and core image are written with dd.
#
# Usage: images/debian/build.sh [--out DIR] [--force]
#
# Outputs in DIR (default $BOOTGATE_IMAGE_CACHE/debian; in a checkout
# images/.cache/debian, installed ~/.cache/bootgate/images/debian):
#   debian-12.qcow2  2 GiB disk: MBR, one ext4 partition (label debroot)
#   stamp            recipe hash (first line) + build info
# Guest: hostname debsys, root password debian-root (SSH password login
# allowed), serial getty on ttyS0.
set -euo pipefail

case ${BASH_SOURCE[0]} in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
cd "$here" && here=$PWD && cd "$OLDPWD"
# The same rule as bootgate's DefaultImageCacheDir (harness/src/util/paths.h)
# and images/reference/build.sh: $BOOTGATE_IMAGE_CACHE (bootgate sets it for
# the recipes it runs), else images/.cache in a checkout, else the user's
# cache (an installed, read-only /usr/share/bootgate).
if [ -n "${BOOTGATE_IMAGE_CACHE:-}" ]; then
    out=$BOOTGATE_IMAGE_CACHE/debian
elif [ -f "$here/../../CMakeLists.txt" ]; then
    out="$here/../.cache/debian"
else
    out=${BOOTGATE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bootgate}/images/debian
fi
force=0
die() { echo "images/debian/build.sh: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[ -d "$out" ] || mkdir -p "$out"
cd "$out" && out=$PWD && cd "$OLDPWD"

# Up to date when the stamp is newer than every recipe file (builtins only:
# every bootgate run that names this recipe pays for this check). The
# packages are whatever the archive had at build time; --force refreshes.
fresh() {
    local f
    [ "$force" = 0 ] && [ -s "$out/stamp" ] && [ -s "$out/debian-12.qcow2" ] || return 1
    for f in "$here" "$here"/*; do [ "$f" -nt "$out/stamp" ] && return 1; done
    return 0
}
if fresh; then
    echo "debian image up to date: $out/debian-12.qcow2"
    exit 0
fi

exec 9>"$out/.lock"
flock 9
rm -rf "$out"/.build.*  # an interrupted build's leftovers (we hold the lock)
if fresh; then
    echo "debian image up to date: $out/debian-12.qcow2"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, chroot)"
for t in mmdebstrap mke2fs sfdisk grub-mkimage qemu-img chroot; do
    command -v "$t" >/dev/null || die "missing tool: $t (see ci/install-deps.sh)"
done
[ -f /usr/lib/grub/i386-pc/boot.img ] || die "missing /usr/lib/grub/i386-pc/boot.img (grub-pc-bin)"

start=$(date +%s)
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
R=$tmp/root
echo "building debian image in $out (mmdebstrap from this host's apt sources)" >&2

# --- root file system -------------------------------------------------------
# mmdebstrap fails ("Bad fd number" from dash) when inherited descriptors
# push its pipes above fd 9: keep only stdio and the lock (fd 9).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    case $fd in 0|1|2|9) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
# No mirror argument: mmdebstrap uses this host's apt sources.
mmdebstrap --mode=root --variant=minbase --format=directory \
    --include=systemd,systemd-sysv,udev,dbus,linux-image-cloud-amd64,initramfs-tools,openssh-server,procps,iproute2,cloud-init \
    bookworm "$R" >"$tmp/mmdebstrap.log" 2>&1 ||
    { tail -n 30 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed (log above)"; }
kver=$(cd "$R/boot" && ls vmlinuz-* | sed -n 's/^vmlinuz-//p' | tail -n 1)
[ -n "$kver" ] && [ -f "$R/boot/initrd.img-$kver" ] || die "no kernel or initrd in the image's /boot"

chroot "$R" sh -c 'echo root:debian-root | chpasswd'
echo debsys >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 debsys\n' >"$R/etc/hosts"
echo "LABEL=debroot / ext4 defaults 0 1" >"$R/etc/fstab"
: >"$R/etc/machine-id"  # generated on first boot of each run
mkdir -p "$R/etc/systemd/network" "$R/etc/ssh/sshd_config.d"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' >"$R/etc/systemd/network/20-wired.network"
# 00-: sshd takes the first value it reads, and cloud-init may add its own.
printf 'PermitRootLogin yes\nPasswordAuthentication yes\n' >"$R/etc/ssh/sshd_config.d/00-bootgate.conf"
chroot "$R" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
# cloud-init, as in distributions' cloud images: it reads the NoCloud seed
# bootgate attaches (ephemeral SSH key). NoCloud only, so that it never
# waits for cloud metadata services (99-: after Debian's 90_dpkg.cfg, which
# lists them all). Without a seed it still runs (Debian's generator enables
# it regardless), finds nothing and changes nothing: about 30 s of a TCG
# boot. C.UTF-8 is the only locale minbase has.
mkdir -p "$R/etc/cloud/cloud.cfg.d"
printf 'datasource_list: [NoCloud]\nlocale: C.UTF-8\n' >"$R/etc/cloud/cloud.cfg.d/99-bootgate.cfg"
rm -rf "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/var/cache/apt/archives/*.deb \
    "$R"/var/lib/apt/lists/* "$R"/tmp/*

# --- GRUB: menu on serial, modules on the root file system -------------------
mkdir -p "$R/boot/grub/i386-pc"
cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst "$R/boot/grub/i386-pc/"
cat >"$R/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=1
menuentry "Debian GNU/Linux 12 (systemd)" {
  linux /boot/vmlinuz-$kver root=LABEL=debroot ro console=ttyS0,115200
  initrd /boot/initrd.img-$kver
}
CFG

# --- disk: MBR + one ext4 partition from 1 MiB --------------------------------
truncate -s 2G "$tmp/disk.raw"
echo 'start=2048, type=83, bootable' | sfdisk -q "$tmp/disk.raw"
mke2fs -q -t ext4 -L debroot -d "$R" "$tmp/part.img" 2047M 2>"$tmp/mke2fs.log" ||
    { cat "$tmp/mke2fs.log" >&2; die "mke2fs failed"; }
dd if="$tmp/part.img" of="$tmp/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$tmp/part.img"

# GRUB's boot sector and core image, as grub-bios-setup would write them
# (it insists on probing a real block device): core.img at LBA 1 in the MBR
# gap, its first sector's block list pointing at the rest (LBA 2, n-1
# sectors, segment 0x820); boot.img's first 440 bytes with the core LBA at
# 0x5c and the floppy drive check at 0x66 replaced by two NOPs.
grub-mkimage -O i386-pc -o "$tmp/core.img" -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
sectors=$(( ($(stat -c %s "$tmp/core.img") + 511) / 512 ))
[ "$sectors" -lt 2047 ] || die "core.img does not fit the MBR gap"
le16() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $(($1 >> 8)))"; }
{ printf '\002\0\0\0\0\0\0\0'; le16 $((sectors - 1)); le16 $((0x820)); } |
    dd of="$tmp/core.img" bs=1 seek=$((0x1f4)) conv=notrunc status=none
dd if=/usr/lib/grub/i386-pc/boot.img of="$tmp/disk.raw" bs=1 count=440 conv=notrunc status=none
printf '\001\0\0\0\0\0\0\0' | dd of="$tmp/disk.raw" bs=1 seek=$((0x5c)) conv=notrunc status=none
printf '\220\220' | dd of="$tmp/disk.raw" bs=1 seek=$((0x66)) conv=notrunc status=none
dd if="$tmp/core.img" of="$tmp/disk.raw" bs=512 seek=1 conv=notrunc status=none

qemu-img convert -O qcow2 "$tmp/disk.raw" "$tmp/debian-12.qcow2"
{
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel=$kver"
    echo "systemd=$(chroot "$R" dpkg-query -W -f='${Version}' systemd)"
    echo "rootfs_kib=$(du -sk "$R" | cut -f1)"
} >"$tmp/stamp"
mv "$tmp/debian-12.qcow2" "$out/debian-12.qcow2"
mv "$tmp/stamp" "$out/stamp"
echo "debian image built in $(( $(date +%s) - start )) s: $out/debian-12.qcow2"
