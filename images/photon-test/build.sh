#!/usr/bin/env bash
# Builds the photon-test ISOs: installer ISOs laid out as Photon OS 5.0's
# (the installer inside the initrd, RPMS/ a package repository of the
# minimal closure only), whose initrd runs a Python imitation of
# photon-os-installer 2.3, 2.4, 2.7, 2.8 or 2.9 that installs Debian
# packages with dpkg and apt. See README.md for what they prove and what
# they cannot.
#
# Usage: images/photon-test/build.sh [--installer 2.3|2.4|2.7|2.8|2.9|all] [--out DIR] [--force]
#
# Outputs in DIR (default $BOOTGATE_IMAGE_CACHE/photon-test; in a checkout
# images/.cache/photon-test, installed ~/.cache/bootgate/images/photon-test):
#   photon-test-<v>.iso  imitates photon-os-installer <v> (2.3: the 5.0 GA ISO)
#   stamp                recipe hash (first line) + build info
# and, shared by every checkout, in ${BOOTGATE_CACHE_DIR:-~/.cache/bootgate}:
#   photon-test-parts/   Debian's packages, the initrd userland and kernel
#                        (rootfs.sh; rebuilt only when rootfs.sh changes)
# Each ISO: /isolinux/vmlinuz, /isolinux/initrd.img (boot them directly:
# -kernel/-initrd), /PHOTON_VMWARE_CD, /RPMS/{x86_64,noarch}/*.deb with
# /RPMS/Packages (an apt repository). 2.3, 2.4: /installer of the initrd as
# mk-install-iso.sh fills it; 2.7-2.9: as photon-iso-builder does.
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
        --installer) [ $# -ge 2 ] || die "--installer needs a version or all"; versions=$2; shift 2 ;;
        --installer=*) versions=${1#--installer=}; shift ;;
        --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --force) force=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
case $versions in
    all) versions="2.3 2.4 2.7 2.8 2.9" ;;
    2.3|2.4|2.7|2.8|2.9) ;;
    *) die "--installer: '$versions' is not 2.3, 2.4, 2.7, 2.8, 2.9 or all" ;;
esac
[ -d "$out" ] || mkdir -p "$out"
cd "$out" && out=$PWD && cd "$OLDPWD"

# What the recipe reads besides this folder (the reference image's pieces).
shared=("$ref/initramfs.sh" "$ref/overlay/etc/bootgate/lib.sh" "$ref/overlay/usr/share/udhcpc/default.script")

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
for t in mmdebstrap xorriso cpio lz4 depmod modprobe dpkg-deb dpkg-scanpackages openssl; do
    command -v "$t" >/dev/null || die "missing tool: $t (see ci/install-deps.sh)"
done
for f in /bin/busybox /usr/share/grub/ascii.pf2; do
    [ -e "$f" ] || die "missing $f (see ci/install-deps.sh)"
done

start=$(date +%s)
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
hash_files() { (cd "$here/.." && LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1; }

# --- Debian's pieces (cached in the user's cache) ------------------------------------
# Downloads, the same for every checkout and output folder: kept once per
# machine (as apt keeps its own), in the user's cache, locked while a build
# uses them. $out/.parts, where they were kept before, is not read.
parts=${BOOTGATE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/bootgate}/photon-test-parts
mkdir -p "$parts"
exec 8>"$parts/.lock"
flock 8
parts_hash=$(cd "$here/.." && find photon-test/rootfs.sh -type f -print0 | hash_files)
if [ "$force" = 1 ] || [ "$(cat "$parts/stamp" 2>/dev/null)" != "$parts_hash" ] ||
    [ ! -s "$parts/initrd-root.tar" ]; then
    echo "downloading the photon-test packages (mmdebstrap from this host's apt sources)" >&2
    rm -f "$parts/stamp"
    "$here/rootfs.sh" "$parts" || die "rootfs.sh failed"
    echo "$parts_hash" >"$parts/stamp"
fi
kver=$(cat "$parts/kver")

# --- RPMS/: the package repository ------------------------------------------------
# Debian's .debs (the closure) plus the stand-in packages with Photon's names
# (meta/), sorted into x86_64/ and noarch/ as Photon's RPMS/ is, indexed by
# dpkg-scanpackages for apt.
# Debian compresses data.tar with xz, whose decompression under TCG is what
# dpkg would spend most of the install on; Photon's RPMs are zstd. The debs
# are rebuilt once with zstd (dpkg-deb -R/-b: same files, owners, scripts).
# Photon's python3 RPMs also ship their byte-code (%py3_compile at build
# time), where Debian's postinsts compile it in the target: the rebuilt debs
# carry the .pyc of their modules, compiled by this host's Python 3.11 (the
# byte-code of every 3.11.x is the same, magic 3495) with the target's paths; the installer then
# skips the postinsts' compilation (installer.py DEFERRED_COMMANDS).
[ "$(python3 -c 'import sys; print(sys.version_info[:2] == (3, 11))')" = True ] ||
    die "the host's python3 is not 3.11 (the debs' Python): cannot byte-compile their modules"
mkdir -p "$parts/debs-zst-pyc"
for f in "$parts"/debs/*.deb; do
    z=$parts/debs-zst-pyc/${f##*/}
    [ -s "$z" ] && continue
    x=$tmp/unpack
    rm -rf "$x"
    dpkg-deb -R "$f" "$x" || die "could not unpack $f"
    for d in "$x"/usr/lib/python3 "$x"/usr/lib/python3.11; do
        # -qq: Debian ships some files that are not Python 3 (templates, tests).
        [ -d "$d" ] && { python3 -m compileall -qq -j0 -s "$x" -p / "$d" || true; }
    done
    dpkg-deb -Zzstd -z3 -b "$x" "$z.new" >/dev/null && mv "$z.new" "$z" || die "could not recompress $f"
done
rm -rf "$tmp/unpack" "$parts/debs-zst"
for z in "$parts"/debs-zst-pyc/*.deb; do  # of debs rootfs.sh no longer downloads
    [ -e "$parts/debs/${z##*/}" ] || rm -f "$z"
done
# mmdebstrap took usrmerge (the first alternative of init-system-helpers'
# Depends), which converts a split /usr with perl; the target is merged
# from the start (the installer makes /bin, /lib... links to usr/, as
# Photon's filesystem package lays it out), so usr-is-merged stands in and
# usrmerge and the perl it alone pulls in stay out of RPMS/.
not_in_repo=" usrmerge perl perl-modules-5.36 libperl5.36 libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl "
# Photon's cloud-init needs no locale data (vmware/photon
# SPECS/cloud-init/cloud-init.spec has no Requires on glibc's locales);
# Debian's depends on locales, whose postinst (one grep per supported
# locale) took ~45 s of an install under TCG: its Depends loses locales,
# and locales and libc-l10n stay out of RPMS/. Debian's ca-certificates is
# replaced by the stand-in below (Photon's ships its bundle prebuilt).
not_in_repo+=" locales libc-l10n ca-certificates "
mkdir -p "$parts/extra"
if ! ls "$parts"/extra/usr-is-merged_*_all.deb >/dev/null 2>&1; then
    (cd "$parts/extra" && apt-get download -q usr-is-merged >/dev/null) || die "apt-get download usr-is-merged failed"
fi
# libeatmydata for the installer initrd (installer.py NO_FSYNC_LIB): not a
# package of the target, so not in extra/ (which goes into RPMS/).
mkdir -p "$parts/initrd-extra"
if ! ls "$parts"/initrd-extra/libeatmydata1_*.deb >/dev/null 2>&1; then
    (cd "$parts/initrd-extra" && apt-get download -q libeatmydata1 >/dev/null) || die "apt-get download libeatmydata1 failed"
    ls "$parts"/initrd-extra/libeatmydata1_*.deb >/dev/null 2>&1 || die "apt-get download libeatmydata1 saved nothing in $parts/initrd-extra"
fi
repo=$tmp/RPMS
mkdir -p "$repo/x86_64" "$repo/noarch"
for f in "$parts"/debs/*.deb "$parts"/extra/*.deb; do
    n=${f##*/}
    case $not_in_repo in *" ${n%%_*} "*) continue ;; esac
    case $f in */extra/*) ;; *) f=$parts/debs-zst-pyc/$n ;; esac
    if [ "${n%%_*}" = cloud-init ]; then
        x=$tmp/cloud-init
        dpkg-deb -R "$f" "$x" || die "could not unpack $f"
        sed -i '/^Depends:/ s/ locales,//' "$x/DEBIAN/control"
        grep -q '^Depends:.* locales' "$x/DEBIAN/control" && die "cloud-init still depends on locales"
        f=$tmp/$n
        dpkg-deb -Zzstd -z3 -b "$x" "$f" >/dev/null || die "could not rebuild $n"
        rm -rf "$x"
    fi
    case $f in *_all.deb) ln "$f" "$repo/noarch/" ;; *) ln "$f" "$repo/x86_64/" ;; esac
done
# ca-certificates as Photon's ships it (vmware/photon
# SPECS/ca-certificates/ca-certificates.spec): /etc/ssl/certs/<hash>.pem
# and the bundle /etc/pki/tls/certs/ca-bundle.crt built at package build
# time, here from the certificates of Debian's package; the <hash>.0 links
# that Photon's %posttrans makes (one openssl per certificate) are made here
# too, and Debian's consumers find the bundle at their path
# (/etc/ssl/certs/ca-certificates.crt). Debian's package builds all of it
# in its postinst and again in update-ca-certificates: ~70 s under TCG.
cadeb=$(ls "$parts"/debs/ca-certificates_*.deb | head -n 1)
[ -n "$cadeb" ] || die "no ca-certificates package in $parts/debs"
C=$tmp/pkg-ca-certificates
x=$tmp/ca-deb
dpkg-deb -x "$cadeb" "$x"
mkdir -p "$C/DEBIAN" "$C/etc/ssl/certs" "$C/etc/pki/tls/certs"
for crt in "$x"/usr/share/ca-certificates/mozilla/*.crt; do
    h=$(openssl x509 -hash -noout -in "$crt") || die "openssl cannot read $crt"
    i=0
    while [ -e "$C/etc/ssl/certs/$h.$i" ]; do i=$((i + 1)); done
    pem=$h.pem
    [ "$i" = 0 ] || pem=$h-$i.pem
    openssl x509 -in "$crt" -out "$C/etc/ssl/certs/$pem" || die "openssl cannot convert $crt"
    ln -s "$pem" "$C/etc/ssl/certs/$h.$i"
    cat "$C/etc/ssl/certs/$pem" >>"$C/etc/pki/tls/certs/ca-bundle.crt"
done
ncerts=$(ls "$C"/etc/ssl/certs/*.pem | wc -l)
[ "$ncerts" -gt 100 ] || die "only $ncerts certificates in $cadeb"
ln -s ../../pki/tls/certs/ca-bundle.crt "$C/etc/ssl/certs/ca-certificates.crt"
cav=$(dpkg-deb -f "$cadeb" Version)
sed "s/@VERSION@/${cav%%~*}-1.ph5/" "$here/meta/ca-certificates" >"$C/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -b "$C" "$repo/noarch/ca-certificates_all.deb" >/dev/null
rm -rf "$x"
for m in minimal linux linux-esx initramfs grub2-efi-image photon-test-config; do
    P=$tmp/pkg-$m
    mkdir -p "$P/DEBIAN"
    cp "$here/meta/$m" "$P/DEBIAN/control"
    [ -f "$here/meta/$m.postinst" ] && install -m 755 "$here/meta/$m.postinst" "$P/DEBIAN/postinst"
    # The initramfs configuration goes with the initramfs package, as
    # Photon's initramfs package ships its dracut.conf.d
    # (SPECS/initramfs/initramfs.spec): the installer installs it first
    # and builds the initramfs while the rest installs.
    [ "$m" = initramfs ] && cp -a "$here/initramfs-files/." "$P/"
    if [ "$m" = photon-test-config ]; then
        cp -a "$here/target/." "$P/"
        mkdir -p "$P/boot/grub2/fonts"
        ln -s grub2 "$P/boot/grub"  # Debian's grub-install writes /boot/grub
        cp /usr/share/grub/ascii.pf2 "$P/boot/grub2/fonts/"
    fi
    dpkg-deb --root-owner-group -Zgzip -b "$P" "$repo/noarch/${m}_all.deb" >/dev/null
done
(cd "$repo" && dpkg-scanpackages -m . 2>/dev/null | sed 's|^Filename: \./|Filename: |' >Packages)
grep -q '^Package: minimal$' "$repo/Packages" || die "RPMS/Packages lacks minimal"
# Every Depends/Pre-Depends of RPMS/ has an alternative that RPMS/ holds.
python3 - "$repo/Packages" <<'PY' || die "RPMS/ is not closed under its dependencies"
import sys
stanzas = [dict(l.split(': ', 1) for l in b.splitlines() if l and not l[0].isspace() and ': ' in l)
           for b in open(sys.argv[1]).read().split('\n\n') if b.strip()]
have = {s['Package'] for s in stanzas} | {p.strip().split(' ')[0] for s in stanzas
                                         for p in s.get('Provides', '').split(',') if p.strip()}
bad = [f"{s['Package']}: {g.strip()}" for s in stanzas for fld in ('Pre-Depends', 'Depends')
       for g in s.get(fld, '').split(',') if g.strip()
       and not any(a.strip().split(' ')[0].split(':')[0] in have for a in g.split('|'))]
print("\n".join(f"RPMS/ lacks a dependency of {b}" for b in bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
{
    echo "Origin: photon-test"
    echo "Label: photon-test"
    echo "Date: $(LC_ALL=C date -u -R)"
    echo "SHA256:"
    echo " $(sha256sum <"$repo/Packages" | cut -d' ' -f1) $(stat -c %s "$repo/Packages") Packages"
} >"$repo/Release"

# --- the installer initrd: Debian userland + busybox init + Photon's login ------
R=$tmp/initrd
compressor=lz4
. "$ref/initramfs.sh"
mkdir -p "$R"
tar -C "$R" -xf "$parts/initrd-root.tar"
install_busybox "$R"
for f in "$parts"/initrd-extra/*.deb; do dpkg-deb -x "$f" "$R"; done
[ -e "$R/usr/lib/x86_64-linux-gnu/libeatmydata.so.1" ] || die "libeatmydata.so.1 missing from the initrd"
# Debian's /bin/sh (dash), not busybox's: busybox sh prefers its own applets
# (its tar, which lacks --keep-directory-symlink) to the Debian tools.
ln -sf dash "$R/usr/bin/sh"
mkdir -p "$R"/{etc/bootgate,usr/share/udhcpc,mnt/media,var/log}
cp "$ref/overlay/etc/bootgate/lib.sh" "$R/etc/bootgate/lib.sh"
install -m 755 "$ref/overlay/usr/share/udhcpc/default.script" "$R/usr/share/udhcpc/default.script"
for f in init bin/bootphotoninstaller sbin/shutdown etc/bash.bashrc; do
    rm -f "$R/$f"
    install -D -m 755 "$here/installer/$f" "$R/$f"
done
mkdir -p "$R/lib/modules/$kver"
copy_modules "$kver" "$here/modules" "$parts/modules"
for m in ata_piix ata_generic; do
    [ -z "$(find "$R/lib/modules" -name "$m.ko*" -o -name 'pata_*.ko*' | head -n 1)" ] ||
        die "the installer initrd must not carry PIIX/IDE drivers ($m or pata_*)"
done
# Photon's python3 imports from /usr/lib/python3.11/site-packages, where
# the photon-os-installer RPM puts photon_installer; Debian's from
# /usr/lib/python3/dist-packages: a .pth adds Photon's path.
echo /usr/lib/python3.11/site-packages >"$R/usr/lib/python3/dist-packages/photon-site-packages.pth"
sed -i 's|^root:[^:]*:0:0:.*|root:x:0:0:root:/root:/bin/bootphotoninstaller|' "$R/etc/passwd"
echo photon-installer >"$R/etc/hostname"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | compress >"$tmp/base.img"

# --- per installer version: photon_installer in site-packages, /installer -------
src=$here/installer/photon_installer
site=usr/lib/python3.11/site-packages
keys_of() {  # the known_keys of each tag (photon_installer/installer.py)
    local k="additional_files additional_packages additional_rpms_path arch autopartition bootmode"
    case $1 in 2.3) ;; *) k+=" disks" ;; esac
    case $1 in 2.7|2.8|2.9) k+=" ansible docker insecure_repo manifest_file packagelist_files no_unmount no_clean tdnf_cachedir user_grub_cfg_file" ;; esac
    case $1 in 2.8|2.9) k+=" build_mounts dps environment firstboot security prepkgsinstall prepkgsinstallscripts" ;; esac
    case $1 in 2.9) k+=" archives grub services plugins" ;; esac
    case $1 in 2.3) k+=" install_linux_esx" ;; esac
    case $1 in 2.9) ;; *) k+=" ostree" ;; esac
    k+=" disk eject_cdrom hostname linux_flavor live log_level packages packagelist_file partition_type partitions"
    k+=" network password postinstall postinstallscripts preinstall preinstallscripts public_key photon_docker_image"
    k+=" repos search_path setup_grub_script shadow_password type ui"
    tr ' ' '\n' <<<"$k" | LC_ALL=C sort | sed "s/.*/        '&',/"
}
for v in $versions; do
    O=$tmp/overlay-$v
    rm -rf "$O"
    mkdir -p "$O/$site/photon_installer" "$O/installer" "$O/usr/bin"
    while read -r f; do
        d=$O/$site/photon_installer/$f
        mkdir -p "$(dirname "$d")"
        case $f in
            installer.py)
                case $v in 2.3) cbd=False ;; *) cbd=True ;; esac
                case $v in 2.8|2.9) cr=True ;; *) cr=False ;; esac
                # The default bootmode and the per-arch keys (2.4 on) as
                # upstream's _add_defaults/__init__ write them: bootgate's
                # detector (harness/src/runner/installer_id.cc) reads them.
                i12='            '
                case $v in
                    2.9) bm="${i12}install_config['bootmode'] = 'efi'" ;;
                    *) bm="${i12}if \"x86_64\" in arch:\n${i12}    install_config['bootmode'] = 'dualboot'\n${i12}else:\n${i12}    install_config['bootmode'] = 'efi'" ;;
                esac
                case $v in
                    2.3) ak="        # (2.4 added the per-arch variants packages_<arch>, linux_flavor_<arch>)" ;;
                    *) ak="        # some keys can have arch-specific variants\n        for key in ['packages', 'linux_flavor']:\n            for arch in ['x86_64', 'aarch64']:\n                self.known_keys.add(f'{key}_{arch}')" ;;
                esac
                case $v in 2.3|2.4) uc=False ;; *) uc=True ;; esac
                case $v in 2.3|2.4) end='pass' ;; *) end='self.logger.info("creating image was successful")' ;; esac
                keys=$(keys_of "$v")
                awk -v keys="$keys" -v v="$v" -v cbd="$cbd" -v cr="$cr" -v bm="$bm" -v ak="$ak" -v uc="$uc" -v end="$end" '
                    /^@KNOWN_KEYS@$/ { print keys; next }
                    /^@BOOTMODE_DEFAULT@$/ { print bm; next }
                    /^@ARCH_KEYS@$/ { print ak; next }
                    { gsub(/@VERSION@/, v); gsub(/@CHECK_BEFORE_DEFAULTS@/, cbd); gsub(/@CHECK_RAISES@/, cr)
                      gsub(/@MK_SETUP_GRUB_USER_CFG@/, uc); gsub(/@END_OF_INSTALL@/, end)
                      print }' "$src/installer.py.in" >"$d" ;;
            modules/m_updatesshconfig.py)
                case $v in 2.8|2.9) cp "$src/modules/m_updatesshconfig-dict.py" "$d" ;;
                    *) cp "$src/modules/m_updatesshconfig-str.py" "$d" ;; esac ;;
            mk-setup-grub.sh)
                case $v in 2.3|2.4) cp "$here/installer/installer/mk-setup-grub-2.3.sh" "$d" ;;
                    *) cp "$here/installer/installer/mk-setup-grub-2.7.sh" "$d" ;; esac
                chmod 755 "$d" ;;
            user.cfg) cp "$here/installer/installer/user.cfg" "$d" ;;
            *)
                if [ -f "$src/$f" ]; then cp "$src/$f" "$d"
                else
                    case $f in
                        *.py) echo "# photon-test stand-in: $f of photon-os-installer $v is not imitated (not on the unattended ISO path)." >"$d" ;;
                        *.json) echo '{"_comment": "photon-test stand-in: not imitated"}' >"$d" ;;
                        *) echo "# photon-test stand-in: $f of photon-os-installer $v is not imitated." >"$d" ;;
                    esac
                fi ;;
        esac
    done <"$here/installer/files/$v.txt"
    # setup.py's egg-info: version.py's defaultTag is "2.2" in every tag
    # (the RPM build has no git), so every version calls itself 2.2 here.
    E=$O/$site/photon_installer-2.2-py3.11.egg-info
    mkdir -p "$E"
    printf 'Metadata-Version: 2.1\nName: photon-installer\nVersion: 2.2\nSummary: Installer code for photon\nAuthor-email: gpiyush@vmware.com\n' >"$E/PKG-INFO"
    sed 's|^|photon_installer/|' "$here/installer/files/$v.txt" >"$E/SOURCES.txt"
    printf '\n' >"$E/dependency_links.txt"
    printf '\n' >"$E/not-zip-safe"
    printf 'photon_installer\n' >"$E/top_level.txt"
    printf 'requests\ncracklib\n' >"$E/requires.txt"
    printf '[console_scripts]\nphoton-installer = photon_installer.main:main\nphoton-iso-builder = photon_installer.isoBuilder:main\n' >"$E/entry_points.txt"
    for s in photon-installer:main photon-iso-builder:isoBuilder; do
        printf '#!/usr/bin/python3\nimport sys\nfrom photon_installer.%s import main\nsys.exit(main())\n' "${s#*:}" >"$O/usr/bin/${s%%:*}"
        chmod 755 "$O/usr/bin/${s%%:*}"
    done
    cp "$src/EULA.txt" "$src/sample_ui.cfg" "$O/installer/"
    case $v in
        2.3|2.4)  # mk-install-iso.sh: the package-list JSON files, sample_ui.cfg, EULA.txt
            cp "$here/installer/installer/packages_minimal.json" "$O/installer/"
            opts=packages_minimal.json ;;
        *)  # photon-iso-builder (poi): its merged list as packages.json, the options file
            python3 -c 'import json,sys; print(json.dumps({"packages": sorted(json.load(open(sys.argv[1]))["packages"])}, indent=4))' \
                "$here/installer/installer/packages_minimal.json" >"$O/installer/packages.json"
            echo '{"custom": {"title": "Photon Custom", "packagelist_file": "packages.json", "visible": false, "additional-files": []}}' \
                >"$O/installer/build_install_options_custom.json"
            opts=build_install_options_custom.json ;;
    esac
    # usr/bin, not bin: the kernel replaces a symlink (/bin -> usr/bin) by a
    # directory of a later archive, which would empty /bin.
    sed "s|-o packages_minimal.json|-o $opts|" "$here/installer/bin/bootphotoninstaller" >"$O/usr/bin/bootphotoninstaller"
    chmod 755 "$O/usr/bin/bootphotoninstaller"
    python3 -m py_compile "$O/$site/photon_installer/installer.py" || die "installer.py of $v does not compile"
    I=$tmp/iso-$v
    mkdir -p "$I/isolinux"
    { cat "$tmp/base.img"; (cd "$O" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | compress; } \
        >"$I/isolinux/initrd.img"
    cp "$parts/vmlinuz" "$I/isolinux/vmlinuz"
    : >"$I/PHOTON_VMWARE_CD"
    xorriso -as mkisofs -quiet -R -J -l -V "PHOTON_$(date +%Y%m%d)" -o "$tmp/photon-test-$v.iso" \
        -graft-points "$I" "RPMS=$repo" 2>"$tmp/xorriso.log" ||
        { cat "$tmp/xorriso.log" >&2; die "xorriso failed for $v"; }
done

# --- move into place: stamp last, so an interrupted move means a rebuild ----
iso_hash=$( (cd "$here/.." && find photon-test reference/initramfs.sh reference/overlay/etc/bootgate \
    reference/overlay/usr/share/udhcpc -type f ! -name README.md ! -name selftest.sh -print0 | hash_files
    echo "$parts_hash") | sha256sum | cut -d' ' -f1)
[ "$(head -n 1 "$out/stamp" 2>/dev/null)" = "$iso_hash" ] || rm -f "$out"/photon-test-*.iso
rm -f "$out/stamp"
for v in $versions; do mv -f "$tmp/photon-test-$v.iso" "$out/"; done
{
    echo "$iso_hash"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "installer_kernel=$kver"
    cat "$parts/rootfs.info"
    echo "rpms=$(grep -c '^Package:' "$repo/Packages")"
    for v in 2.3 2.4 2.7 2.8 2.9; do
        [ -f "$out/photon-test-$v.iso" ] && echo "iso_$v=$(stat -c %s "$out/photon-test-$v.iso")"
    done
    echo "build_s=$(( $(date +%s) - start ))"
} >"$out/stamp"
echo "photon-test image built in $(( $(date +%s) - start )) s: $out/photon-test-{${versions// /,}}.iso"
