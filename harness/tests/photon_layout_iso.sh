#!/usr/bin/env bash
# Test fixture: a small ISO laid out as vmware/photon's ISO build lays out
# the 5.0 minimal ISO (support/image-builder/iso/mk-install-iso.sh, branch
# common at e5e6720f97): /isolinux/vmlinuz, /isolinux/initrd.img (a newc
# cpio, gzip'd) holding the photon_installer package in
# usr/lib/python3.11/site-packages with its egg-info, and /installer with the
# package-list JSON files, sample_ui.cfg and EULA.txt; RPMS/ holds the
# minimal package closure only, no installer RPM.
#
# The photon_installer files are small imitations written here from the
# upstream facts (each tag's file list, installer.py known_keys, its
# _add_defaults bootmode, its end-of-install line, m_updatesshconfig.py's
# public_key handling); they are not upstream code and bootgate does not
# generate them. The kernel is a placeholder: this ISO is for --dry-run.
#
# Usage: photon_layout_iso.sh VERSION OUT.iso [options]
#   VERSION            2.3 | 2.4 | 2.7 | 2.8 | 2.9
#   --lists a,b        the JSON files /installer holds (default: the GA set)
#   --installer-in-rpms  also put RPMS/x86_64/photon-os-installer-VERSION-1.ph5.noarch.rpm
#   --no-installer     leave photon_installer out of the initrd
#   --compress C       gzip (default) | xz | zstd | none
#   --microcode        prepend an uncompressed early-microcode cpio
set -euo pipefail

die() { echo "photon_layout_iso.sh: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: photon_layout_iso.sh VERSION OUT.iso [options]"
VERSION=$1 OUT=$2
shift 2
LISTS="build_install_options_all.json,build_install_options_minimal.json,packages_developer.json,packages_installer_initrd.json,packages_minimal.json,packages_rt.json"
IN_RPMS=0 NO_INSTALLER=0 COMPRESS=gzip MICROCODE=0
while [ $# -gt 0 ]; do
  case $1 in
    --lists) LISTS=$2; shift 2 ;;
    --installer-in-rpms) IN_RPMS=1; shift ;;
    --no-installer) NO_INSTALLER=1; shift ;;
    --compress) COMPRESS=$2; shift 2 ;;
    --microcode) MICROCODE=1; shift ;;
    *) die "unknown option $1" ;;
  esac
done
case $VERSION in 2.3|2.4|2.7|2.8|2.9) ;; *) die "VERSION must be 2.3, 2.4, 2.7, 2.8 or 2.9, not $VERSION" ;; esac
ge() { [ "$(printf '%s\n%s\n' "$1" "$VERSION" | sort -V | head -1)" = "$1" ]; }  # VERSION >= $1

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ISO=$WORK/iso INITRD=$WORK/initrd
mkdir -p "$ISO/isolinux" "$ISO/RPMS/x86_64" "$ISO/RPMS/noarch" "$INITRD/installer" "$INITRD/bin" "$INITRD/etc"
echo "placeholder kernel: this ISO is a bootgate --dry-run fixture" >"$ISO/isolinux/vmlinuz"
# The minimal closure (common/data/packages_minimal.json and its requires).
for p in minimal-5.0-1.ph5.x86_64 linux-6.1.10-11.ph5.x86_64 linux-esx-6.1.10-10.ph5.x86_64 \
         initramfs-2.0-11.ph5.x86_64 lvm2-2.03.16-2.ph5.x86_64 less-608-1.ph5.x86_64 \
         sudo-1.9.13p3-1.ph5.x86_64 tdnf-3.5.2-1.ph5.x86_64 openssh-9.1p1-5.ph5.x86_64 \
         docker-23.0.2-1.ph5.x86_64 cloud-init-23.1.1-2.ph5.noarch; do
  arch=${p##*.}
  echo "placeholder rpm" >"$ISO/RPMS/$arch/$p.rpm"
done
[ $IN_RPMS = 1 ] && echo "placeholder rpm" >"$ISO/RPMS/noarch/photon-os-installer-$VERSION-1.ph5.noarch.rpm"

# /installer: mk-install-iso.sh copies $OUTPUT_DATA_PATH/*.json there.
IFS=, read -ra lists <<<"$LISTS"
for f in "${lists[@]}"; do
  [ -n "$f" ] && printf '{"packages": ["minimal", "linux", "initramfs"], "packages_x86_64": ["linux-esx"]}\n' >"$INITRD/installer/$f"
done
echo "sample ui config" >"$INITRD/installer/sample_ui.cfg"
echo "EULA" >"$INITRD/installer/EULA.txt"
printf 'cd /installer\nphoton-installer -i iso -o packages_minimal.json -e EULA.txt && shutdown -r now\n' >"$INITRD/bin/bootphotoninstaller"

if [ $NO_INSTALLER = 0 ]; then
  SP=$INITRD/usr/lib/python3.11/site-packages
  P=$SP/photon_installer
  mkdir -p "$P/modules" "$SP/photon_installer-2.2-py3.11.egg-info"
  # version.py's defaultTag is "2.2" in every tag v2.3..v2.9.
  printf 'Metadata-Version: 2.1\nName: photon-installer\nVersion: 2.2\nSummary: Installer code for photon\n' \
    >"$SP/photon_installer-2.2-py3.11.egg-info/PKG-INFO"
  for f in __init__.py isoInstaller.py logger.py commandutils.py defaults.py modules/__init__.py \
           modules/commons.py modules/m_postinstall.py modules/m_updatehostname.py; do
    echo "# imitation of photon_installer/$f" >"$P/$f"
  done
  # Files that mark each version (git ls-tree of each upstream tag).
  if ge 2.4; then touch "$P/generate_initrd.py" "$P/tdnf.py" "$P/packages_installer_initrd.json"
  else touch "$P/generate_initrd.sh"; fi
  ge 2.7 && touch "$P/user.cfg" "$P/stigenable.py"
  ge 2.8 && touch "$P/firstboot.sh" "$P/firstboot.service" "$P/modules/m_prepkgsinstall.py"
  if ge 2.9; then mkdir -p "$P/plugins"; touch "$P/plugins/__init__.py" "$P/modules/m_services.py"
  else touch "$P/ostreeinstaller.py"; fi

  # installer.py: known_keys of each tag.
  keys="additional_files additional_packages additional_rpms_path arch autopartition bootmode disk eject_cdrom hostname linux_flavor live log_level network packagelist_file packages partition_type partitions password photon_docker_image postinstall postinstallscripts preinstall preinstallscripts public_key repos search_path setup_grub_script shadow_password type ui"
  ge 2.9 || keys="$keys ostree"
  if ge 2.4; then keys="$keys disks"; else keys="$keys install_linux_esx"; fi
  ge 2.7 && keys="$keys ansible docker insecure_repo manifest_file no_clean no_unmount packagelist_files tdnf_cachedir user_grub_cfg_file"
  ge 2.8 && keys="$keys build_mounts dps environment firstboot prepkgsinstall prepkgsinstallscripts security"
  ge 2.9 && keys="$keys archives grub plugins services"
  {
    echo '"""imitation of photon_installer/installer.py: the lines that carry behaviour"""'
    echo 'class Installer(object):'
    echo '    # List of allowed keys in kickstart config file.'
    echo '    known_keys = {'
    for k in $keys; do echo "        '$k',"; done
    echo '    }'
    echo
    echo '    def __init__(self):'
    # 2.4 on: per-arch key variants, added to the class's set up to 2.8.
    ge 2.9 && echo '        self.known_keys = set(Installer.known_keys)'
    if ge 2.4; then
      echo "        for key in ['packages', 'linux_flavor']:"
      echo "            for arch in ['x86_64', 'aarch64']:"
      echo "                self.known_keys.add(f'{key}_{arch}')"
    fi
    echo '        pass'
    echo
    echo '    def _add_defaults(self, install_config):'
    echo "        if 'bootmode' not in install_config:"
    if ge 2.9; then
      echo "            install_config['bootmode'] = 'efi'"
    else
      echo '            if "x86_64" in arch:'
      echo "                install_config['bootmode'] = 'dualboot'"
      echo '            else:'
      echo "                install_config['bootmode'] = 'efi'"
    fi
    echo
    echo '    def _install(self, stdscreen=None):'
    echo '        self._unsafe_install()'
    if ge 2.7; then
      echo "        if self.install_config['ui']:"
      echo '            pass'
      echo '        else:'
      echo '            self.logger.info("creating image was successful")'
    fi
    echo
    if [ "$VERSION" = 2.3 ]; then
      echo '    def _clear_vgs(self):'
      echo '        pass'
    fi
  } >"$P/installer.py"
  {
    echo '"""imitation of photon_installer/modules/m_updatesshconfig.py"""'
    echo 'def execute(installer):'
    echo "    if 'public_key' not in installer.install_config:"
    echo '        return'
    if ge 2.8; then
      echo "    pubkey_config = installer.install_config['public_key']"
      echo "    assert type(pubkey_config) is dict, \"'public_key' setting must be a dictionary with the keys 'key' and 'reason'\""
      echo "    assert 'reason' in pubkey_config, \"need to set a reason to add a public key\""
      echo "    destination.write(f\"{pubkey_config['key']}\\n\")"
    else
      echo "    destination.write(installer.install_config['public_key'] + \"\\n\")"
    fi
  } >"$P/modules/m_updatesshconfig.py"
fi

MAIN=$WORK/main.cpio
(cd "$INITRD" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$MAIN")
case $COMPRESS in
  gzip) gzip -9n <"$MAIN" >"$WORK/main.z" ;;
  xz) xz --check=crc32 -c <"$MAIN" >"$WORK/main.z" ;;
  zstd) zstd -q -c <"$MAIN" >"$WORK/main.z" ;;
  none) cp "$MAIN" "$WORK/main.z" ;;
  *) die "--compress: gzip, xz, zstd or none, not $COMPRESS" ;;
esac
if [ $MICROCODE = 1 ]; then
  mkdir -p "$WORK/early/kernel/x86/microcode"
  echo "placeholder microcode" >"$WORK/early/kernel/x86/microcode/GenuineIntel.bin"
  (cd "$WORK/early" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$ISO/isolinux/initrd.img"
  cat "$WORK/main.z" >>"$ISO/isolinux/initrd.img"
else
  cp "$WORK/main.z" "$ISO/isolinux/initrd.img"
fi
xorriso -as mkisofs -quiet -V PHOTON_VMWARE_CD -J -r -o "$OUT" "$ISO" 2>"$WORK/xorriso.err" ||
  { cat "$WORK/xorriso.err" >&2; die "xorriso failed"; }
