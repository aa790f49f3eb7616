#!/usr/bin/env bash
# The system the photon-test ISO installs: Debian 12 (systemd, udev,
# systemd-networkd, OpenSSH, iptables, docker.io, sudo, less, the
# linux-image-cloud-amd64 kernel with its initramfs-tools initrd) installed
# by mmdebstrap from this host's apt sources, then dressed as Photon OS 5.0
# ships itself (files in target/, each naming its upstream source).
# Called by build.sh; needs root.
#
# Usage: images/photon-test/rootfs.sh PARTS_DIR
#
# Writes into PARTS_DIR:
#   rootfs.tar.zst  the root file system (GNU tar, numeric owners, zstd)
#   vmlinuz         the installer's kernel: Debian's generic linux-image of
#                   the same archive (the installed system has the cloud one)
#   modules/        its modules (lib/modules/KVER), depmod'ed, for the
#                   installer initrd to pick from
#   kver            its version
set -euo pipefail

case ${BASH_SOURCE[0]} in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
cd "$here" && here=$PWD && cd "$OLDPWD"
die() { echo "images/photon-test/rootfs.sh: error: $*" >&2; exit 1; }
[ $# = 1 ] || die "usage: rootfs.sh PARTS_DIR"
parts=$1
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, chroot)"
for t in mmdebstrap zstd tar depmod modprobe; do
    command -v "$t" >/dev/null || die "missing tool: $t (see ci/install-deps.sh)"
done
[ -f /usr/lib/grub/i386-pc/normal.mod ] || die "missing /usr/lib/grub/i386-pc (grub-pc-bin)"

mkdir -p "$parts"
R=$parts/.root
rm -rf "$R" "$parts/modules"
trap 'rm -rf "$R"' EXIT

# mmdebstrap fails ("Bad fd number" from dash) when inherited descriptors
# push its pipes above fd 9: keep only stdio and the caller's lock (fd 9).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    case $fd in 0|1|2|9) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
# Photon minimal's package list (vmware/photon common/data/packages_minimal.json:
# minimal, linux, initramfs, less, sudo) plus what the shipped scenario
# checks (docker, iptables, openssh). No cloud-init: boots must not wait for
# a datasource. Documentation is left out (dpkg path-exclude): less to unpack.
mmdebstrap --mode=root --variant=minbase --format=directory \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --include=systemd,systemd-sysv,udev,dbus,kmod,linux-image-cloud-amd64,initramfs-tools,openssh-server,iptables,docker.io,sudo,less,iproute2,procps \
    --customize-hook='chroot "$1" sh -c "mkdir -p /var/tmp/ik && cd /var/tmp/ik && apt-get download -q \$(apt-cache depends linux-image-amd64 | sed -n \"s/^ *Depends: \\(linux-image-[0-9].*\\)/\\1/p\")"' \
    bookworm "$R" >"$parts/mmdebstrap.log" 2>&1 ||
    { tail -n 30 "$parts/mmdebstrap.log" >&2; die "mmdebstrap failed (log above)"; }
kver=$(cd "$R/boot" && ls vmlinuz-* | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
[ -n "$kver" ] && [ -f "$R/boot/initrd.img-$kver" ] || die "no kernel or initrd in the image's /boot"

# The installer's kernel: Debian's generic one, downloaded (not installed)
# in the chroot by the hook above. The cloud kernel has no AHCI, and on q35
# the installer ISO is an AHCI CD-ROM; Photon's installer kernel has it.
ideb=$(ls "$R"/var/tmp/ik/linux-image-*.deb 2>/dev/null | head -n 1 || true)
[ -n "$ideb" ] || die "the generic kernel package was not downloaded (see $parts/mmdebstrap.log)"
rm -rf "$parts/installer-kernel"
mkdir -p "$parts/installer-kernel"
# Its kernel and the module trees an installer may need (no graphics, sound,
# media, wireless: most of the package's 400 MiB). block/ and arch/ are
# needed although no list names a module there: sd_mod depends on
# block/t10-pi.ko, and the crypto drivers the CRC libraries ask for at init
# (crct10dif-pclmul, crc32c-intel) live in arch/x86/crypto. depmod leaves a
# dependency that is not in the tree out of modules.dep without a word, so
# without block/ the installer's sd_mod failed to load ("sd_mod: Unknown
# symbol t10_pi_type1_crc (err -2)", below loglevel=3) and a pvscsi or
# virtio-scsi disk never became /dev/sda; copy_modules now checks each
# module's own depends: list (images/reference/initramfs.sh).
dpkg-deb --fsys-tarfile "$ideb" | tar -x -C "$parts/installer-kernel" --wildcards \
    --exclude='*/drivers/gpu' --exclude='*/drivers/media' --exclude='*/drivers/net/wireless' \
    --exclude='*/drivers/infiniband' --exclude='*/sound' \
    './boot/vmlinuz-*' './lib/modules/*/kernel/drivers' './lib/modules/*/kernel/fs' \
    './lib/modules/*/kernel/lib' './lib/modules/*/kernel/crypto' './lib/modules/*/kernel/net' \
    './lib/modules/*/kernel/block' './lib/modules/*/kernel/arch' \
    './lib/modules/*/modules.order' './lib/modules/*/modules.builtin*'
rm -rf "$R/var/tmp/ik"

# --- dressed as Photon -----------------------------------------------------------
cp -a "$here/target/." "$R/"
# The kernel's GRUB environment block, as Photon's linux package writes it
# (vmware/photon SPECS/linux/linux.spec: /boot/linux-<uname_r>.cfg, symlinked
# from /boot/photon.cfg in %post); Debian's file names fit its variables.
# One addition to Photon's photon_cmdline: transparent_hugepage=never. With
# THP on, khugepaged raises vm.min_free_kbytes to ~44 MiB on a 2 GiB VM, all
# of it missing from MemAvailable, which puts this Debian system (about
# 90 MiB really used) over the scenario's 150 MiB. Photon's kernel has THP
# on too (SPECS/linux/config_x86_64): the real ISO's ram_mib carries that
# reserve, this image's does not (images/photon-test/README.md).
cat >"$R/boot/linux-$kver.cfg" <<EOF
# GRUB Environment Block
photon_cmdline=init=/lib/systemd/systemd ro loglevel=3 quiet transparent_hugepage=never
photon_linux=vmlinuz-$kver
photon_initrd=initrd.img-$kver
EOF
ln -sf "linux-$kver.cfg" "$R/boot/photon.cfg"
# GRUB's i386-pc modules and font where Photon's grub2-pc puts them
# (/boot/grub2); the installer writes grub.cfg, boot.img and core.img.
mkdir -p "$R/boot/grub2/i386-pc" "$R/boot/grub2/fonts"
cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst "$R/boot/grub2/i386-pc/"
cp /usr/share/grub/ascii.pf2 "$R/boot/grub2/fonts/"

# sshd_config: Photon's is OpenSSH's own with vmware/photon
# SPECS/openssh/0001-sshd_config-Avoid-duplicate-entry.patch applied
# (PermitRootLogin no, MaxAuthTries 4, ...); Debian's differs from OpenSSH's
# by an Include line, which Photon does not have.
sed -i -e '/^Include /d' \
    -e 's/^#PermitRootLogin prohibit-password/PermitRootLogin no/' \
    -e 's/^#MaxAuthTries 6/MaxAuthTries 4/' \
    -e 's/^#AllowAgentForwarding yes/AllowAgentForwarding no/' \
    -e 's/^#AllowTcpForwarding yes/AllowTcpForwarding no/' \
    -e 's/^#TCPKeepAlive yes/TCPKeepAlive no/' \
    -e 's/^#Compression delayed/Compression no/' \
    -e 's/^#ClientAliveCountMax 3/ClientAliveCountMax 2/' "$R/etc/ssh/sshd_config"
grep -qx 'PermitRootLogin no' "$R/etc/ssh/sshd_config" || die "sshd_config: no '#PermitRootLogin prohibit-password' line to turn into Photon's 'PermitRootLogin no'"
rm -f "$R"/etc/ssh/ssh_host_*  # sshd-keygen.service makes them on first boot, as on Photon

echo photon >"$R/etc/hostname"  # the installer's m_updatehostname writes the real one
: >"$R/etc/machine-id"
# Services as Photon's presets have them: networkd, sshd and iptables on;
# docker (and containerd) installed but disabled.
chroot "$R" systemctl enable systemd-networkd.service ssh.service sshd-keygen.service iptables.service >/dev/null 2>&1
chroot "$R" systemctl disable docker.service docker.socket containerd.service >/dev/null 2>&1
# Photon has no SysV init scripts; Debian's make every `systemctl enable`
# run systemd-sysv-install (perl: 15-30 s under TCG). Each has a native unit.
rm -f "$R"/etc/init.d/* "$R"/etc/rc[0-6S].d/*
chroot "$R" passwd -l root >/dev/null  # the installer's m_updaterootpassword sets it
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* "$R"/tmp/* "$R"/var/log/*.log

# --- outputs ---------------------------------------------------------------------
K=$parts/installer-kernel
ikver=$(cd "$K/boot" && ls vmlinuz-* | sed -n 's/^vmlinuz-//p' | head -n 1)
[ -n "$ikver" ] || die "no kernel in $ideb"
mv "$K/boot/vmlinuz-$ikver" "$parts/vmlinuz"
rm -rf "$parts/modules"
mkdir -p "$parts/modules/lib"
mv "$K/lib/modules" "$parts/modules/lib/"
rm -rf "$K"
depmod -b "$parts/modules" "$ikver"
echo "$ikver" >"$parts/kver"
tar --numeric-owner --format=gnu -C "$R" -cf - . | zstd -q -T0 -6 -o "$parts/rootfs.tar.zst.new" -f
mv -f "$parts/rootfs.tar.zst.new" "$parts/rootfs.tar.zst"
echo "rootfs_kib=$(du -sk "$R" | cut -f1)" >"$parts/rootfs.info"
