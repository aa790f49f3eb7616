#!/usr/bin/env bash
# The Debian pieces of the photon-test ISOs, downloaded once (cached in
# PARTS_DIR by build.sh), no system assembled from them here:
#   debs/            every .deb the install needs: the closure of the Debian
#                    stand-ins for Photon's minimal package list (see
#                    build.sh: the meta packages minimal, linux, linux-esx,
#                    initramfs map onto these), essential packages included;
#                    the installer installs from them with dpkg and apt
#   initrd-root.tar  the installer initrd's userland: Debian 12 minbase with
#                    python3 (3.11, as Photon 5.0), gdisk (sgdisk), GRUB for
#                    BIOS, dosfstools, kmod; build.sh trims and dresses it
#   vmlinuz, modules/, kver  the installer's kernel: Debian's generic
#                    linux-image (the cloud one lacks AHCI), its module trees
# Called by build.sh; needs root and this host's apt sources.
#
# Usage: images/photon-test/rootfs.sh PARTS_DIR
set -euo pipefail

case ${BASH_SOURCE[0]} in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
cd "$here" && here=$PWD && cd "$OLDPWD"
die() { echo "images/photon-test/rootfs.sh: error: $*" >&2; exit 1; }
[ $# = 1 ] || die "usage: rootfs.sh PARTS_DIR"
parts=$1
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root)"
for t in mmdebstrap tar depmod modprobe dpkg-deb; do
    command -v "$t" >/dev/null || die "missing tool: $t (see ci/install-deps.sh)"
done
mkdir -p "$parts"
parts=$(cd "$parts" && pwd)
T=$parts/.target I=$parts/.initrd
rm -rf "$T" "$I" "$parts/debs" "$parts/debs-zst" "$parts/modules"
trap 'rm -rf "$T" "$I"' EXIT
# mmdebstrap fails ("Bad fd number" from dash) when inherited descriptors
# push its pipes above fd 9: keep only stdio and the caller's lock (fd 9).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    case $fd in 0|1|2|9) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done

# The target's packages: Debian's counterparts of vmware/photon
# SPECS/minimal/minimal.spec's Requires (dde71ec571) and of the rest of
# common/data/packages_minimal.json (linux, initramfs, lvm2, less, sudo).
# Only their .debs are kept (each installed package downloaded again by a
# hook: the exact closure), not the system.
target_pkgs=systemd,systemd-sysv,udev,dbus,kmod,linux-image-cloud-amd64,initramfs-tools,openssh-server,iptables
target_pkgs+=,docker.io,sudo,less,lvm2,iproute2,procps,cloud-init,bc,bridge-utils,bzip2,cpio,e2fsprogs,file
target_pkgs+=,findutils,grep,gzip,netbase,iputils-ping,net-tools,sed,tzdata,util-linux,vim-tiny,debianutils
target_pkgs+=,libpam-runtime,apt,libgdbm6,zstd
# The hook, in the finished chroot: every installed package downloaded again
# (the exact closure, essential ones included), and the generic kernel.
cat >"$parts/.hook.sh" <<'HOOK'
set -e
chroot "$1" sh -c 'mkdir -p /var/tmp/debs && cd /var/tmp/debs &&
    apt-get download -q $(dpkg-query -W -f="\${Package}=\${Version} ")' >/dev/null
chroot "$1" sh -c 'mkdir -p /var/tmp/ik && cd /var/tmp/ik &&
    apt-get download -q $(apt-cache depends linux-image-amd64 | sed -n "s/^ *Depends: \(linux-image-[0-9].*\)/\1/p")' >/dev/null
HOOK
mmdebstrap --mode=root --variant=minbase --format=directory \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --include="$target_pkgs" \
    --customize-hook="sh '$parts/.hook.sh' \"\$1\"" \
    bookworm "$T" >"$parts/mmdebstrap-target.log" 2>&1 ||
    { tail -n 30 "$parts/mmdebstrap-target.log" >&2; die "mmdebstrap (target packages) failed"; }
mkdir -p "$parts/debs"
mv "$T"/var/tmp/debs/*.deb "$parts/debs/"
ideb=$(ls "$T"/var/tmp/ik/linux-image-*.deb 2>/dev/null | head -n 1 || true)
[ -n "$ideb" ] || die "the generic kernel package was not downloaded (see $parts/mmdebstrap-target.log)"
echo "target_debs=$(ls "$parts/debs" | wc -l) target_debs_kib=$(du -sk "$parts/debs" | cut -f1)" >"$parts/rootfs.info"

# The installer's kernel: Debian's generic one; its module trees an
# installer may need (block/ for t10-pi, arch/ for the CRC drivers).
K=$parts/.kernel
rm -rf "$K" && mkdir -p "$K"
dpkg-deb --fsys-tarfile "$ideb" | tar -x -C "$K" --wildcards \
    --exclude='*/drivers/gpu' --exclude='*/drivers/media' --exclude='*/drivers/net/wireless' \
    --exclude='*/drivers/infiniband' --exclude='*/sound' \
    './boot/vmlinuz-*' './lib/modules/*/kernel/drivers' './lib/modules/*/kernel/fs' \
    './lib/modules/*/kernel/lib' './lib/modules/*/kernel/crypto' './lib/modules/*/kernel/net' \
    './lib/modules/*/kernel/block' './lib/modules/*/kernel/arch' \
    './lib/modules/*/modules.order' './lib/modules/*/modules.builtin*'
ikver=$(cd "$K/boot" && ls vmlinuz-* | sed -n 's/^vmlinuz-//p' | head -n 1)
[ -n "$ikver" ] || die "no kernel in $ideb"
mv "$K/boot/vmlinuz-$ikver" "$parts/vmlinuz"
mkdir -p "$parts/modules/lib"
mv "$K/lib/modules" "$parts/modules/lib/"
rm -rf "$K"
depmod -b "$parts/modules" "$ikver"
echo "$ikver" >"$parts/kver"

# The installer initrd's userland (photon-os-installer's
# packages_installer_initrd.json has python3, gptfdisk, grub2-pc,
# dosfstools, tdnf, ... ; Debian's counterparts here, dpkg and apt being
# part of minbase).
mmdebstrap --mode=root --variant=minbase --format=directory \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --include=python3,gdisk,grub-pc-bin,grub2-common,dosfstools,kmod,eject \
    bookworm "$I" >"$parts/mmdebstrap-initrd.log" 2>&1 ||
    { tail -n 30 "$parts/mmdebstrap-initrd.log" >&2; die "mmdebstrap (installer initrd) failed"; }
rm -rf "$I"/var/cache/apt/* "$I"/var/lib/apt/lists/* "$I"/usr/share/zoneinfo "$I"/usr/share/i18n \
    "$I"/usr/lib/python3.11/{test,idlelib,tkinter,ensurepip,lib2to3,pydoc_data,turtledemo} \
    "$I"/usr/lib/x86_64-linux-gnu/gconv "$I"/usr/share/grub/themes "$I"/var/log/*
tar --numeric-owner -C "$I" -cf "$parts/initrd-root.tar" .
echo "initrd_root_kib=$(du -sk "$I" | cut -f1)" >>"$parts/rootfs.info"
