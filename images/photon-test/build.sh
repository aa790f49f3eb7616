#!/usr/bin/env bash
# Builds the photon-test ISOs: installer ISOs that behave as the Photon OS
# 5.0 installer ISO does towards a harness (kernel arguments, the initrd's
# one-console rule, kickstart keys per installer version, console output,
# end of install, the installed GRUB, sshd and iptables), built from Debian
# packages only. See README.md for what they prove and what they cannot.
#
# Usage: images/photon-test/build.sh [--installer 2.3|2.7|all] [--out DIR] [--force]
#
# Outputs in DIR (default $BOOTGATE_IMAGE_CACHE/photon-test; in a checkout
# images/.cache/photon-test, installed ~/.cache/bootgate/images/photon-test):
#   photon-test-2.3.iso  imitates photon-os-installer 2.3 (the 5.0 GA ISO)
#   photon-test-2.7.iso  imitates photon-os-installer 2.7 (later 5.0 ISOs)
#   stamp                recipe hash (first line) + build info
#   .parts/              the installed system (rootfs.tar.zst), its kernel and
#                        modules; rebuilt only when rootfs.sh or target/ change
# Each ISO: /isolinux/vmlinuz, /isolinux/initrd.img (boot them directly:
# -kernel/-initrd), /PHOTON_VMWARE_CD, /RPMS/x86_64/photon-os-installer-<v>-1.ph5.x86_64.rpm
# (a placeholder naming the version), /photon-test/rootfs.tar.zst.
# Needs root (mmdebstrap) and the Debian archive through this host's apt.
set -euo pipefail

case ${BASH_SOURCE[0]} in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
cd "$here" && here=$PWD && cd "$OLDPWD"
ref=$here/../reference
# The same rule as bootgate's DefaultImageCacheDir (harness/src/util/paths.h)
# and images/reference/build.sh: $BOOTGATE_IMAGE_CACHE (bootgate sets it for
# the recipes it runs), else images/.cache in a checkout, else the user's
# cache (an installed, read-only /usr/share/bootgate).
if [ -n "${BOOTGATE_IMAGE_CACHE:-}" ]; then
    out=$BOOTGATE_IMAGE_CACHE/photon-test
elif [ -f "$here/../../CMakeLists.txt" ]; then
    out="$here/../.cache/photon-test"
else
    out=${BOOTGATE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bootgate}/images/photon-test
fi
force=0
versions=all
die() { echo "images/photon-test/build.sh: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --installer) [ $# -ge 2 ] || die "--installer needs 2.3, 2.7 or all"; versions=$2; shift 2 ;;
        --installer=*) versions=${1#--installer=}; shift ;;
        --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
case $versions in
    all) versions="2.3 2.7" ;;
    2.3|2.7) ;;
    *) die "--installer: '$versions' is not 2.3, 2.7 or all" ;;
esac
[ -d "$out" ] || mkdir -p "$out"
cd "$out" && out=$PWD && cd "$OLDPWD"

# What the recipe reads besides this folder (the reference image's pieces).
shared=("$ref/initramfs.sh" "$ref/overlay/etc/bootgate/lib.sh" "$ref/overlay/etc/bootgate/modules"
    "$ref/overlay/usr/share/udhcpc/default.script")

# Up to date when the stamp is newer than every recipe file (builtins only:
# every bootgate run that names this recipe pays for this check). The
# packages are whatever the archive had at build time; --force refreshes.
fresh() {
    local f v
    [ "$force" = 0 ] && [ -s "$out/stamp" ] || return 1
    for v in $versions; do [ -s "$out/photon-test-$v.iso" ] || return 1; done
    shopt -s globstar dotglob nullglob
    for f in "$here" "$here"/** "${shared[@]}"; do
        [ "$f" -nt "$out/stamp" ] && return 1
    done
    shopt -u globstar dotglob nullglob
    return 0
}
if fresh; then
    echo "photon-test image up to date: $out/photon-test-{${versions// /,}}.iso"
    exit 0
fi

exec 9>"$out/.lock"
flock 9
rm -rf "$out"/.build.*  # an interrupted build's leftovers (we hold the lock)
if fresh; then
    echo "photon-test image up to date: $out/photon-test-{${versions// /,}}.iso"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, chroot)"
for t in mmdebstrap zstd xorriso grub-mkimage cpio lz4 depmod modprobe ldd jq sfdisk mke2fs blkid realpath; do
    command -v "$t" >/dev/null || die "missing tool: $t (see ci/install-deps.sh)"
done
for f in /bin/busybox /usr/lib/grub/i386-pc/boot.img; do
    [ -e "$f" ] || die "missing $f (see ci/install-deps.sh)"
done

start=$(date +%s)
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
hash_files() { (cd "$here/.." && LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1; }

# --- the installed system (cached in .parts) -------------------------------------
parts=$out/.parts
parts_hash=$(cd "$here/.." && find photon-test/rootfs.sh photon-test/target -type f -print0 | hash_files)
if [ "$force" = 1 ] || [ "$(cat "$parts/stamp" 2>/dev/null)" != "$parts_hash" ] ||
    [ ! -s "$parts/rootfs.tar.zst" ]; then
    echo "building the photon-test root file system (mmdebstrap from this host's apt sources)" >&2
    rm -f "$parts/stamp"
    "$here/rootfs.sh" "$parts" || die "rootfs.sh failed"
    echo "$parts_hash" >"$parts/stamp"
fi
kver=$(cat "$parts/kver")

# --- installer initrd: busybox + the tools the installer runs --------------------
R=$tmp/initrd
compressor=lz4
. "$ref/initramfs.sh"
install_busybox "$R"
mkdir -p "$R"/{lib/x86_64-linux-gnu,lib64,var/log,var/tmp,etc/bootgate,installer/grub,usr/share/udhcpc,mnt/media}
chmod 1777 "$R/tmp" "$R/var/tmp"
for b in bash jq zstd sfdisk mke2fs blkid realpath; do
    copy_bin "$(command -v "$b")" "/usr/bin/$b"
done
ln -sf ../usr/bin/bash "$R/bin/bash"
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$R/etc/mke2fs.conf"
cp "$ref/overlay/etc/bootgate/lib.sh" "$R/etc/bootgate/lib.sh"
install -m 755 "$ref/overlay/usr/share/udhcpc/default.script" "$R/usr/share/udhcpc/default.script"
cp -a "$here/installer/." "$R/"
rm -f "$R"/installer/mk-setup-grub-*.sh "$R/installer/user.cfg"
chmod 755 "$R/init" "$R/bin/bootphotoninstaller" "$R/sbin/shutdown" "$R/usr/bin/photon-installer"
# The reference image's drivers (virtio, SCSI, CD-ROM, isofs, VMware,
# Hyper-V) and this image's own (modules: AHCI for q35's CD-ROM, ...).
mkdir -p "$R/lib/modules/$kver"
copy_modules "$kver" "$ref/overlay/etc/bootgate/modules" "$parts/modules"
copy_modules "$kver" "$here/modules" "$parts/modules"
# Root logs in with the login script as its shell (mk-install-iso.sh's
# sed of /etc/passwd); the installer's own hostname is photon-installer.
printf 'root:x:0:0:root:/root:/bin/bootphotoninstaller\n' >"$R/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' >"$R/etc/group"
echo photon-installer >"$R/etc/hostname"
# GRUB for the installed disk: boot.img for the MBR, core.img for the gap
# after it, finding /boot/grub2 on the first partition.
grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -p '(hd0,msdos1)/boot/grub2' \
    -o "$R/installer/grub/core.img" biosdisk part_msdos ext2
cp /usr/lib/grub/i386-pc/boot.img "$R/installer/grub/boot.img"

# --- one ISO per installer version ---------------------------------------------
iso_hash=$( (cd "$here/.." && find photon-test reference/initramfs.sh reference/overlay/etc/bootgate \
    reference/overlay/usr/share/udhcpc -type f ! -name README.md ! -name selftest.sh -print0 | hash_files
    echo "$parts_hash"; dpkg-query -W -f='${Package} ${Version}\n' busybox-static bash jq zstd grub-pc-bin 2>/dev/null) |
    sha256sum | cut -d' ' -f1)
for v in $versions; do
    echo "$v" >"$R/installer/version"
    install -m 755 "$here/installer/installer/mk-setup-grub-$v.sh" "$R/installer/mk-setup-grub.sh"
    rm -f "$R/installer/user.cfg"
    # 2.7's installer ships user.cfg and mk-setup-grub.sh copies it to /boot.
    [ "$v" = 2.3 ] || cp "$here/installer/installer/user.cfg" "$R/installer/user.cfg"
    I=$tmp/iso-$v
    mkdir -p "$I/isolinux" "$I/RPMS/x86_64" "$I/RPMS/noarch"
    mkcpio "$R" | compress >"$I/isolinux/initrd.img"
    cp "$parts/vmlinuz" "$I/isolinux/vmlinuz"
    : >"$I/PHOTON_VMWARE_CD"
    printf 'placeholder, not an RPM: this photon-test ISO imitates photon-os-installer %s\n' "$v" \
        >"$I/RPMS/x86_64/photon-os-installer-$v-1.ph5.x86_64.rpm"
    xorriso -as mkisofs -quiet -R -J -l -V "PHOTON_$(date +%Y%m%d)" -o "$tmp/photon-test-$v.iso" \
        -graft-points "$I" "photon-test/rootfs.tar.zst=$parts/rootfs.tar.zst" 2>"$tmp/xorriso.log" ||
        { cat "$tmp/xorriso.log" >&2; die "xorriso failed for $v"; }
done

# --- move into place: stamp last, so an interrupted move means a rebuild ----
# ISOs of the other version from an older recipe are stale now.
[ "$(head -n 1 "$out/stamp" 2>/dev/null)" = "$iso_hash" ] || rm -f "$out"/photon-test-*.iso
rm -f "$out/stamp"
for v in $versions; do mv -f "$tmp/photon-test-$v.iso" "$out/"; done
{
    echo "$iso_hash"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "installer_kernel=$kver"
    cat "$parts/rootfs.info"
    for v in 2.3 2.7; do
        [ -f "$out/photon-test-$v.iso" ] && echo "iso_$v=$(stat -c %s "$out/photon-test-$v.iso")"
    done
    echo "build_s=$(( $(date +%s) - start ))"
} >"$out/stamp"
echo "photon-test image built in $(( $(date +%s) - start )) s: $out/photon-test-{${versions// /,}}.iso"
