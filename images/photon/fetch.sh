#!/usr/bin/env bash
# Downloads the Photon OS 5.0 minimal ISO into the image cache (photon/:
# images/.cache/photon in a checkout, ~/.cache/bootgate/images/photon
# installed) and
# verifies it against its published SHA-256. Needs internet access (the
# bootgate development machines have none: run this on a release host).
#
#   images/photon/fetch.sh                      # the 5.0 GA ISO, pinned below
#   images/photon/fetch.sh --sha256 <hash from the Photon download page>
#   PHOTON_ISO_URL=... PHOTON_ISO_SHA256=... images/photon/fetch.sh
#
# The checksum is never fetched from the same server as the ISO: the default
# ISO's SHA-256 is pinned here (as the Photon OS 5.0 GA download page gives
# it; two independent public Packer templates for this ISO quote the same
# value, and its MD5 f6d95f3e88a1380bb168b9d0a1a2bf85); any other ISO needs
# a value the user pins (PHOTON_ISO_SHA256 of the release job). It is checked
# on every run, and a mismatch discards the download.
#
# Known ISOs and the photon-os-installer each carries (vmware/photon
# SPECS/photon-os-installer/photon-os-installer.spec at the ISO's commit;
# bootgate reads it from the ISO's RPMS/ in any case, see docs/scenarios.md):
#   photon-minimal-5.0-dde71ec57.x86_64.iso  5.0 GA (2023-04)   installer 2.3
#   later 5.0 refresh ISOs (from 2024-05)                       installer 2.7
# After the download, `bootgate run ... --dry-run` says which installer the
# ISO's initrd carries.
set -euo pipefail

ga_url=https://packages.vmware.com/photon/5.0/GA/iso/photon-minimal-5.0-dde71ec57.x86_64.iso
ga_sha256=691d09eb61f8cad470f21c88287ff6b005c3be365c926a87577e714aee2d46bc
url="${PHOTON_ISO_URL:-$ga_url}"
sha="${PHOTON_ISO_SHA256:-}"
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${BOOTGATE_IMAGE_CACHE:-}" ]; then
  out_dir=$BOOTGATE_IMAGE_CACHE/photon
elif [ -f "$here/../../CMakeLists.txt" ]; then
  out_dir=$here/../.cache/photon
else
  out_dir=${BOOTGATE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bootgate}/images/photon
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --sha256) sha="$2"; shift 2 ;;
    --url) url="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    *) echo "usage: $0 [--sha256 HASH] [--url URL] [--out DIR]" >&2; exit 2 ;;
  esac
done

out="$out_dir/photon-minimal-5.0.x86_64.iso"
# The pinned hash belongs to the GA ISO only (also when its mirror moved to
# packages.broadcom.com).
if [ -z "$sha" ] && [ "${url##*/}" = "${ga_url##*/}" ]; then sha=$ga_sha256; fi
if [ -z "$sha" ]; then
  echo "fetch.sh: give the ISO's SHA-256 from the Photon OS download page (--sha256 or PHOTON_ISO_SHA256)" >&2
  exit 2
fi
if [ -f "$out" ] && echo "$sha  $out" | sha256sum -c --quiet - 2>/dev/null; then
  echo "Photon ISO up to date: $out"
  exit 0
fi
mkdir -p "$out_dir"
tmp="$(mktemp "$out_dir/.download.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
echo "downloading $url"
curl -fL --retry 3 -o "$tmp" "$url"
if ! echo "$sha  $tmp" | sha256sum -c --quiet -; then
  echo "fetch.sh: checksum mismatch for $url; the download was discarded" >&2
  exit 1
fi
mv "$tmp" "$out"
trap - EXIT
echo "Photon ISO verified: $out"
# Photon installs photon-os-installer into the ISO's initrd, not RPMS/:
# bootgate reads it there (docs/scenarios.md, "Which installer").
echo "to see which photon-os-installer its initrd carries: bootgate run scenarios/photon-5-minimal.json --dry-run"
