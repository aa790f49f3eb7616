#!/usr/bin/env bash
# Issue 23, "done means", without a VM: for GA-layout Photon ISOs carrying
# photon-os-installer 2.3, 2.4, 2.7, 2.8 and 2.9 in their initrd
# (photon_layout_iso.sh), the shipped scenarios photon-5-minimal and its
# VMware variant, with nothing replaced but the media, pass --dry-run with
# format auto; the kickstart has that version's public_key shape, an
# explicit bootmode, the package list the initrd's /installer holds, and
# only keys that version's installer.py knows (read here from the ISO with
# cpio, not from bootgate). Then the faults: the installer only in RPMS/,
# and a package list the initrd does not hold, each exit 2 naming the cause.
#
# Usage: photon_layout_dryrun_test.sh BOOTGATE_BINARY
set -euo pipefail
bin=$1
src=${BOOTGATE_SOURCE_DIR:?}
fail() { echo "photon_layout_dryrun_test: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d)
cleanup() {
  # Each dry run keeps its prepared files and says where.
  grep -ho 'remove with: rm -rf [^)]*' "$tmp"/*.out 2>/dev/null | sed 's/remove with: rm -rf //' |
    while read -r d; do case $d in /tmp/*) rm -rf "$d" ;; esac; done
  rm -rf "$tmp"
}
trap cleanup EXIT
export BOOTGATE_STATE_DIR=$tmp/state BOOTGATE_CACHE_DIR=$tmp/cache
# A scenario may only extend one beside it: work in a copy of scenarios/.
cp -r "$src/scenarios" "$tmp/sc"

# The keys version $1's installer.py knows, read with zcat and cpio from a
# plain gzip ISO of that version (bootgate-independent).
known_keys() {
  local iso=$tmp/plain-$1.iso d
  "$src/harness/tests/photon_layout_iso.sh" "$1" "$iso"
  d=$(mktemp -d -p "$tmp")
  xorriso -osirrox on -indev "$iso" -extract /isolinux/initrd.img "$d/initrd" 2>/dev/null
  (cd "$d" && zcat initrd | cpio -id --quiet 'usr/lib/python3.11/site-packages/photon_installer/installer.py')
  local py=$d/usr/lib/python3.11/site-packages/photon_installer/installer.py
  sed -n "/known_keys = {/,/}/s/^ *'\([a-z_0-9]*\)',\$/\1/p" "$py"
  grep -q "for key in \['packages', 'linux_flavor'\]" "$py" &&
    printf '%s\n' packages_x86_64 packages_aarch64 linux_flavor_x86_64 linux_flavor_aarch64
  rm -rf "$d"
}

dry_run() {  # NAME ISO BASE -> exit status; output in $tmp/NAME.out
  local name=$1 iso=$2 base=$3
  printf '{"extends": "%s", "name": "%s", "install": {"media": {"iso": "%s", "fetch": null}}}\n' \
    "$base" "$name" "$iso" >"$tmp/sc/$name.json"
  set +e
  "$bin" run "$tmp/sc/$name.json" --dry-run --report-dir "$tmp/rep" >"$tmp/$name.out" 2>&1
  local rc=$?
  set -e
  return $rc
}

declare -A text=([2.3]="2.3" [2.4]="2.4–2.6" [2.7]="2.7" [2.8]="2.8" [2.9]="2.9 or later")
declare -A compress=([2.3]="gzip" [2.4]="xz --microcode" [2.7]="gzip" [2.8]="zstd --microcode" [2.9]="gzip")
for v in 2.3 2.4 2.7 2.8 2.9; do
  iso=$tmp/photon-$v.iso
  # shellcheck disable=SC2086
  "$src/harness/tests/photon_layout_iso.sh" "$v" "$iso" --compress ${compress[$v]}
  for base in photon-5-minimal photon-5-minimal-vmware; do
    name=$base-$v
    dry_run "$name" "$iso" "$base.json" || fail "$name: exit $?: $(cat "$tmp/$name.out")"
    out=$tmp/$name.out
    grep -qF "installer: photon-os-installer ${text[$v]} (from the initrd's /usr/lib/python3.11/site-packages/photon_installer: " "$out" ||
      fail "$name: installer line: $(grep installer "$out")"
    grep -qF "kickstart format: photon-$v" "$out" || fail "$name: format: $(grep format "$out")"
    ks=$(ls "$tmp"/rep/"$name".*/install.config)
    case $v in
      2.3|2.4|2.7) [ "$(jq -r '.public_key | type' "$ks")" = string ] || fail "$name: public_key not a string" ;;
      *) [ "$(jq -r '.public_key | type' "$ks")" = object ] && [ -n "$(jq -r '.public_key.key // empty' "$ks")" ] &&
           [ -n "$(jq -r '.public_key.reason // empty' "$ks")" ] || fail "$name: public_key not {key, reason}: $(jq -c .public_key "$ks")" ;;
    esac
    [ "$(jq -r .bootmode "$ks")" = bios ] || fail "$name: bootmode $(jq -r .bootmode "$ks")"
    [ "$(jq -r .packagelist_file "$ks")" = packages_minimal.json ] || fail "$name: packagelist_file"
    known=$(known_keys "$v")
    [ -n "$known" ] || fail "$name: read no known_keys from the ISO"
    for k in $(jq -r 'keys[]' "$ks"); do
      grep -qx "$k" <<<"$known" || fail "$name: key $k is not among $v's known_keys"
    done
  done
  # The key check can fail: 2.3 does not know packagelist_files, 2.7 does.
  if [ $v = 2.3 ] && grep -qx packagelist_files <<<"$known"; then fail "2.3 knows packagelist_files"; fi
  if [ $v = 2.7 ] && ! grep -qx packagelist_files <<<"$known"; then fail "2.7 lacks packagelist_files"; fi
done

# An ISO built by photon-os-installer's isoBuilder.py (2.4 on): /installer
# holds packages.json and build_install_options_custom.json; the scenarios'
# second choice.
"$src/harness/tests/photon_layout_iso.sh" 2.7 "$tmp/poi.iso" --lists packages.json,build_install_options_custom.json
dry_run poi "$tmp/poi.iso" photon-5-minimal.json || fail "poi: exit $?: $(cat "$tmp/poi.out")"
[ "$(jq -r .packagelist_file "$(ls "$tmp"/rep/poi.*/install.config)")" = packages.json ] || fail "poi: packagelist_file"

# Fault: the installer only in RPMS/ (an initrd without photon_installer).
"$src/harness/tests/photon_layout_iso.sh" 2.7 "$tmp/rpms-only.iso" --no-installer --installer-in-rpms
if dry_run rpms-only "$tmp/rpms-only.iso" photon-5-minimal.json; then fail "rpms-only: exit 0"; else rc=$?; fi
[ $rc = 2 ] || fail "rpms-only: exit $rc, not 2"
grep -qF "/isolinux/initrd.img: it holds no photon_installer package" "$tmp/rpms-only.out" &&
  grep -qF "RPMS/ carries /RPMS/noarch/photon-os-installer-2.7-1.ph5.noarch.rpm, but an RPM on the media is not the installer that boots" "$tmp/rpms-only.out" &&
  grep -qF "set install.config.format explicitly" "$tmp/rpms-only.out" ||
  fail "rpms-only: message: $(cat "$tmp/rpms-only.out")"

# Fault: a package-list name the initrd's /installer does not hold.
"$src/harness/tests/photon_layout_iso.sh" 2.4 "$tmp/lists.iso" --lists packages_minimal_iso.json,build_install_options_minimal.json
if dry_run wrong-list "$tmp/lists.iso" photon-5-minimal-vmware.json; then fail "wrong-list: exit 0"; else rc=$?; fi
[ $rc = 2 ] || fail "wrong-list: exit $rc, not 2"
grep -qF 'config.vars.packagelist_file wants packages_minimal.json|packages.json, but the installer'"'"'s initrd holds no /installer/file of these' "$tmp/wrong-list.out" &&
  grep -qF "which holds: build_install_options_minimal.json, packages_minimal_iso.json" "$tmp/wrong-list.out" ||
  fail "wrong-list: message: $(cat "$tmp/wrong-list.out")"
echo "photon_layout_dryrun_test: OK"
