#!/usr/bin/env bash
# Builds the bootgate reference image from Debian packages installed on this
# machine (linux-image-cloud-amd64, busybox-static, dropbear-bin, grub-pc-bin,
# grub-efi-amd64-bin, grub-common, xorriso, mtools, e2fsprogs, fdisk, cpio,
# gcc, openssl, kmod). No loop devices, mounts or network needed.
#
# Usage: images/reference/build.sh [--out DIR] [--force] [--kernel KVER]
#
# Outputs in DIR (default $BOOTGATE_IMAGE_CACHE/reference, which bootgate
# sets for the recipes it runs; else images/.cache/reference in a checkout,
# else ${XDG_CACHE_HOME:-~/.cache}/bootgate/images/reference, e.g. when
# installed read-only under /usr/share/bootgate):
#   reference.iso  hybrid BIOS+UEFI ISO (kernel /isolinux/vmlinuz, initramfs
#                  /isolinux/initrd.img, GRUB menu on the serial console)
#   vmlinuz        the same kernel, for direct -kernel boots
#   initrd.img     the same initramfs, for direct -initrd boots
#   stamp          recipe hash (first line) + build info
set -euo pipefail

# Bash builtins only until the fast path below has answered: every bootgate
# run that names this recipe pays for what runs before it.
case ${BASH_SOURCE[0]} in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
cd "$here" && here=$PWD && cd "$OLDPWD"
# The same rule as bootgate's DefaultImageCacheDir (harness/src/util/paths.h).
if [ -n "${BOOTGATE_IMAGE_CACHE:-}" ]; then
    out=$BOOTGATE_IMAGE_CACHE/reference
elif [ -f "$here/../../CMakeLists.txt" ]; then
    out="$here/../.cache/reference"
else
    out=${BOOTGATE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bootgate}/images/reference
fi
force=0
kver=${BOOTGATE_KVER:-}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --kernel) [ $# -ge 2 ] || die "--kernel needs a version"; kver=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done

[ -d "$out" ] || mkdir -p "$out"
cd "$out" && out=$PWD && cd "$OLDPWD"

# Fast path (about 3 ms, all builtins): the outputs exist and nothing the
# full hash covers can have changed since the stamp was written. Package
# installs and removals show in dpkg's status file, a kernel copied in by
# hand in /boot's mtime, recipe edits in the recipe tree's mtimes. A kernel
# asked for by name must be the one the stamp records. Anything newer or
# different falls through to the full hash below.
fresh_stamp() {
    local f line
    [ "$force" = 0 ] && [ -s "$out/stamp" ] && [ -s "$out/reference.iso" ] &&
        [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] || return 1
    if [ -n "$kver" ]; then
        while IFS= read -r line; do
            case $line in kernel=*) [ "${line#kernel=}" = "$kver" ] || return 1 ;; esac
        done <"$out/stamp"
    fi
    shopt -s globstar dotglob nullglob
    for f in "$here" "$here"/** /boot /var/lib/dpkg/status; do
        [ "$f" -nt "$out/stamp" ] && return 1
    done
    shopt -u globstar dotglob nullglob
    return 0
}
if fresh_stamp; then
    echo "reference image up to date: $out/reference.iso"
    exit 0
fi

# Newest installed *-cloud-amd64 kernel with modules (else the newest kernel).
pick_kernel() {
    local f v all=() cloud=()
    for f in /boot/vmlinuz-*; do
        [ -f "$f" ] || continue
        v=${f#/boot/vmlinuz-}
        [ -f "/lib/modules/$v/modules.dep" ] || continue
        all+=("$v")
        case "$v" in *-cloud-amd64) cloud+=("$v") ;; esac
    done
    if [ ${#cloud[@]} -gt 0 ]; then printf '%s\n' "${cloud[@]}" | sort -V | tail -n 1
    elif [ ${#all[@]} -gt 0 ]; then printf '%s\n' "${all[@]}" | sort -V | tail -n 1
    else return 1
    fi
}
[ -n "$kver" ] || kver=$(pick_kernel) || die "no kernel with modules in /boot (install linux-image-cloud-amd64)"
kernel=/boot/vmlinuz-$kver
[ -f "$kernel" ] || die "$kernel not found"
[ -d "/lib/modules/$kver" ] || die "/lib/modules/$kver not found"

sftp_server=/usr/lib/openssh/sftp-server
# lz4 (Debian package lz4) if present, else gzip; both are kernel built-ins.
compressor=gzip
command -v lz4 >/dev/null && compressor=lz4

recipe_hash() {
    {
        echo "bootgate-reference-recipe 1"
        echo "kernel $kver $(stat -c '%s %Y' "$kernel") compressor $compressor"
        dpkg-query -W -f='${Package} ${Version}\n' busybox-static dropbear-bin \
            grub-pc-bin grub-efi-amd64-bin "linux-image-$kver" 2>/dev/null || true
        [ -x "$sftp_server" ] && echo "sftp-server $(stat -c '%s %Y' "$sftp_server")"
        cd "$here" && find . \( -type f -o -type l \) ! -name '*~' ! -name '.*.swp' -print0 |
            LC_ALL=C sort -z | xargs -0 stat -c '%n %a' && find . -type f ! -name '*~' ! -name '.*.swp' -print0 |
            LC_ALL=C sort -z | xargs -0 sha256sum
    } | sha256sum | cut -d' ' -f1
}

up_to_date() {
    [ "$force" = 0 ] || return 1
    local f
    for f in reference.iso vmlinuz initrd.img; do [ -s "$out/$f" ] || return 1; done
    [ "$(head -n 1 "$out/stamp" 2>/dev/null)" = "$hash" ]
}

hash=$(recipe_hash)
if up_to_date; then
    touch "$out/stamp"  # the full check passed: the fast path may use it again
    echo "reference image up to date: $out/reference.iso"
    exit 0
fi

# One builder at a time per output dir; re-check once we hold the lock.
exec 9>"$out/.lock"
flock 9
if up_to_date; then
    echo "reference image up to date: $out/reference.iso"
    exit 0
fi

for t in grub-mkrescue grub-mkimage xorriso mformat cpio "$compressor" gcc openssl depmod modprobe ldd sfdisk mke2fs blkid; do
    command -v "$t" >/dev/null || die "missing tool: $t"
done
for f in /bin/busybox /usr/sbin/dropbear /usr/bin/dropbearkey /usr/lib/grub/i386-pc/boot.img \
    /usr/lib/grub/x86_64-efi/linux.mod; do
    [ -e "$f" ] || die "missing $f (see ci/install-deps.sh)"
done

start=$(date +%s.%N)
. "$here/initramfs.sh"
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
R=$tmp/root
M=$tmp/mini
echo "building reference image (kernel $kver) in $out"

install_busybox "$R"
mkdir -p "$R"/{lib/x86_64-linux-gnu,lib64,var/log,var/tmp,home,boot,etc/dropbear,installer/grub}
chmod 700 "$R/root"
chmod 1777 "$R/tmp" "$R/var/tmp"
ln -s ../run "$R/var/run"

copy_bin /usr/sbin/dropbear /usr/sbin/dropbear
copy_bin /usr/bin/dropbearkey /usr/bin/dropbearkey
copy_bin "$(command -v blkid)" /sbin/blkid
# dropbear runs /usr/lib/sftp-server for the sftp subsystem (modern scp)
[ -x "$sftp_server" ] && copy_bin "$sftp_server" /usr/lib/sftp-server
copy_bin "$(command -v sfdisk)" /installer/bin/sfdisk /installer/lib
copy_bin "$(command -v mke2fs)" /installer/bin/mke2fs /installer/lib
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$R/installer/mke2fs.conf"

# --- static helper: bootgate-mark (debugcon byte), bootgate-tarpit, bootgate-hog
gcc -static -Os -s -Wall -o "$R/sbin/bootgate-helper" "$here/helper/bootgate-helper.c"
ln -s bootgate-helper "$R/sbin/bootgate-mark"
ln -s bootgate-helper "$R/sbin/bootgate-tarpit"
ln -s bootgate-helper "$R/sbin/bootgate-hog"

# --- recipe overlay (init, rc scripts, installer, configs) -----------------
cp -a "$here/overlay/." "$R/"
chmod 755 "$R/init" "$R/etc/init.d/rcS" "$R/sbin/bootgate-install" "$R/usr/share/udhcpc/default.script"

# --- users: root / refimg-root -------------------------------------------------
pwhash=$(openssl passwd -6 refimg-root)
cat >"$R/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$R/etc/shadow" <<EOF
root:$pwhash:19700:0:99999:7:::
nobody:*:19700:0:99999:7:::
EOF
cat >"$R/etc/group" <<EOF
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
chmod 644 "$R/etc/passwd" "$R/etc/group"
chmod 600 "$R/etc/shadow"

# --- kernel modules (with dependencies) + depmod -----------------------------
copy_modules "$kver" "$here/overlay/etc/bootgate/modules"

# --- GRUB for installed disks (BIOS: boot.img in the MBR, core.img after it) -
grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -c "$here/grub/disk-embed.cfg" -p /boot/grub \
    -o "$R/installer/grub/core.img" \
    biosdisk part_msdos ext2 search search_label search_fs_uuid normal configfile linux \
    serial terminal echo test sleep
cp /usr/lib/grub/i386-pc/boot.img "$R/installer/grub/boot.img"
cp "$here/grub/disk.cfg" "$R/installer/grub/grub.cfg"

# --- initrd of installed disks: busybox + modules + /init (mounts root=) ----
install_busybox "$M"
mkdir -p "$M/etc" "$M/lib"
cp -a "$R/init" "$M/init"
cp -a "$R/etc/bootgate" "$M/etc/"
cp -a "$R/lib/modules" "$M/lib/"
cp -a "$R/etc/passwd" "$R/etc/group" "$R/etc/profile" "$M/etc/"

mkcpio "$M" | compress >"$R/boot/initrd.img"
cp "$kernel" "$R/boot/vmlinuz"

# --- initramfs images -----------------------------------------------------------
# initrd.img: the whole system incl. the installer payload (/boot: kernel and
#   disk initrd; /installer: sfdisk, mke2fs, GRUB images). Used by direct
#   -kernel/-initrd boots and by the ISO's installer entry.
# live.img: the same minus that payload, for the ISO's default entry (GRUB
#   reads it from the CD-ROM several seconds faster under TCG).
mkcpio "$R" | compress >"$tmp/initrd.img"
mkcpio "$R" ! -path './boot/*' ! -path './installer' ! -path './installer/*' | compress >"$tmp/live.img"
cp "$kernel" "$tmp/vmlinuz"

# --- ISO (Photon-like layout, hybrid BIOS + UEFI via grub-mkrescue) ----------
I=$tmp/iso
mkdir -p "$I/isolinux" "$I/boot/grub"
cp "$tmp/vmlinuz" "$I/isolinux/vmlinuz"
cp "$tmp/initrd.img" "$I/isolinux/initrd.img"
cp "$tmp/live.img" "$I/isolinux/live.img"
cp "$here/grub/iso.cfg" "$I/boot/grub/grub.cfg"
if ! grub-mkrescue -o "$tmp/reference.iso" --locales= --fonts= --themes= "$I" \
    -- -volid BOOTGATE_REF >"$tmp/mkrescue.log" 2>&1; then
    cat "$tmp/mkrescue.log" >&2
    die "grub-mkrescue failed"
fi

# --- move into place: stamp last, so an interrupted move means a rebuild ----
{
    echo "$hash"
    echo "kernel=$kver"
    echo "compressor=$compressor"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "initrd_bytes=$(stat -c %s "$tmp/initrd.img")"
    echo "iso_bytes=$(stat -c %s "$tmp/reference.iso")"
} >"$tmp/stamp"
rm -f "$out/stamp"
for f in vmlinuz initrd.img reference.iso stamp; do
    mv -f "$tmp/$f" "$out/$f"
done
end=$(date +%s.%N)
echo "reference image built in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')s: $out/reference.iso"
