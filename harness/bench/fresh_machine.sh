#!/usr/bin/env bash
# Issue 26, figure c on a fresh machine: the first quick-start command
# (`ci/setup.sh && build/bootgate run scenarios/reference.json`, README
# "Quick start") timed in a fresh Debian 12 root, apt included.
#
# The root (not timed): `mmdebstrap --variant=important bookworm` plus git
# and ca-certificates (the user cloned the repository), from this host's
# Debian sources. Priority important is what every Debian 12 install has,
# a server's or a cloud image's: apt, systemd, kmod, e2fsprogs, fdisk; no
# compiler, no kernel package, no openssh-client (git's Recommends are not
# installed). So the figure is the heavier case of a fresh Debian 12
# machine: a cloud image that has linux-image-cloud-amd64 installs less.
# -V standard measures the "standard system utilities" task instead.
#
# Into it (not timed): a git clone of this tree's HEAD at /root/bootgate,
# the host's /etc/resolv.conf, and those of the host's apt.conf.d files
# that decide how apt reaches the registry (Acquire::*::Proxy,
# Acquire::Check-Valid-Until, Acquire::Check-Date); the apt cache and
# lists are empty (mmdebstrap cleans them), so every package is really
# downloaded; /root has only base-files' dotfiles: no compiler cache
# (checked). Mounted:
# /proc, /sys, /dev (with /dev/kvm), /dev/pts, /dev/shm from the host, a
# new tmpfs on /run. Services: none starts, as on any chroot without
# systemd as PID 1, and ci/install-deps.sh installs its own policy-rc.d.
#
# Timed: the command itself, unchanged, in `chroot ROOT env -i` with a
# login's environment. Its phases come from what it leaves behind, not from
# tracing it: apt's history.log (each apt-get install: update and download,
# then dpkg), the mtimes of build/build.ninja (configure), build/bootgate and
# build/bootgate-libvirt.so (build), the reference image's stamp (image),
# and the end (the reference run); beside them its CPU time (user+sys of
# all it waited for), which the host's other load changes less.
#
# Every mount is undone on exit (also on error, ^C or TERM, after ending
# what still runs in the root); the root is removed unless -k.
#
# usage: harness/bench/fresh_machine.sh [-o OUTDIR] [-w WORKDIR] [-k] [-V VARIANT]
#   -o  figures.txt (appended), fresh.out (the command's output), the
#       reference run's report.json (default: a new dir under WORKDIR)
#   -w  where the root is made (a few GiB; default /work/tmp-fresh)
#   -k  keep the root (printed), still unmounted
#   -V  mmdebstrap variant (default important)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
work=/work/tmp-fresh
out=
keep=0
variant=important
while getopts "o:w:kV:" opt; do
  case $opt in
    o) out=$OPTARG ;;
    w) work=$OPTARG ;;
    k) keep=1 ;;
    V) variant=$OPTARG ;;
    *) sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
die() { echo "fresh_machine.sh: error: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot, mount)"
command -v mmdebstrap >/dev/null || die "mmdebstrap missing (apt-get install mmdebstrap)"
mkdir -p "$work"
work=$(cd "$work" && pwd -P)  # physical: compared with /proc/PID/root
[ -n "$out" ] || out=$(mktemp -d "$work/out.XXXXXX")
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$(mktemp -d "$work/root.XXXXXX")

# This host's Debian sources (deb822 first, else the one-line format).
sources=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  if [ -s "$f" ] && grep -qv '^\s*\(#\|$\)' "$f"; then sources=$f; break; fi
done
[ -n "$sources" ] || die "no Debian sources in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

cleanup() {
  local rc=$? p m left
  trap - EXIT INT TERM
  # What still runs inside the root (a QEMU after ^C) keeps its mounts busy:
  # end those processes, each by its id.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill "${p#/proc/}" 2>/dev/null || true
  done
  sleep 0.2
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null || true
  done
  # Innermost first; a lazy unmount for one still busy.
  for _ in 1 2 3; do
    left=$(findmnt -n -l -o TARGET | grep -F "$root/" | sort -r || true)
    [ -n "$left" ] || break
    while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done <<<"$left"
  done
  left=$(findmnt -n -l -o TARGET | grep -F "$root/" || true)
  if [ -n "$left" ]; then
    echo "fresh_machine.sh: still mounted, root kept: $left" >&2
    exit 1
  fi
  if [ "$keep" = 1 ]; then
    echo "root kept (nothing mounted): $root"
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "making a fresh Debian 12 root ($variant + git, ca-certificates) in $root (not timed)"
mmdebstrap --quiet --variant="$variant" --include=git,ca-certificates bookworm "$root" "$sources" \
  >"$out/mmdebstrap.log" 2>&1 || { cat "$out/mmdebstrap.log" >&2; die "mmdebstrap failed"; }

# How apt reaches the registry, as on this host.
copied=()
shopt -s nullglob
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
  if [ -f "$f" ] && grep -qiE 'Acquire::([a-z]+::)?Proxy|Check-Valid-Until|Check-Date' "$f"; then
    cp "$f" "$root/etc/apt/apt.conf.d/${f##*/}"
    copied+=("${f##*/}")
  fi
done
shopt -u nullglob
cat /etc/resolv.conf >"$root/etc/resolv.conf"
echo "apt configuration copied from the host: ${copied[*]:-none}"

head=$(git -C "$tree" rev-parse HEAD)
git clone -q "$tree" "$root/root/bootgate"
git -C "$root/root/bootgate" checkout -q "$head"
[ -z "$(find "$root/var/cache/apt/archives" -mindepth 1 -maxdepth 1 ! -name lock ! -name partial)" ] ||
  die "the root's apt cache is not empty"
[ ! -e "$root/root/.cache" ] && [ ! -e "$root/root/.ccache" ] || die "the root has a compiler cache"

mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
if mountpoint -q /dev/shm; then mount --bind /dev/shm "$root/dev/shm"; fi
mount -t tmpfs -o mode=755 tmpfs "$root/run"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "running the first quick-start command in the root (load $load0)"
t0=$(date +%s.%N)
rc=0
# /usr/bin/time: the CPU time of all it waited for (the background apt run,
# the compilers, QEMU), a figure the host's other load changes less than
# the wall time.
/usr/bin/time -f '%U %S' -o "$out/cpu.txt" chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /root/bootgate && ci/setup.sh && build/bootgate run scenarios/reference.json' \
  >"$out/fresh.out" 2>&1 &
# In the background and waited for: a TERM or INT sent to this script alone
# then runs the clean-up at once instead of after the command.
wait $! || rc=$?
t1=$(date +%s.%N)
load1=$(cut -d' ' -f1-3 /proc/loadavg)

b=$root/root/bootgate
mtime() { stat -c %.9Y "$@" 2>/dev/null | sort -n | tail -n 1; }
# apt's history.log: one entry per apt-get install, its Start-Date when the
# download has ended and dpkg starts, its End-Date when dpkg is done; local
# time of the root (UTC unless changed), read with the root's date.
logdate() { chroot "$root" date -d "$1" +%s 2>/dev/null || true; }
hist=$root/var/log/apt/history.log
: >"$out/apt-runs.txt"
if [ -f "$hist" ]; then
  awk '/^Start-Date: /{s=$2" "$3} /^Install: /{n=gsub(/\), |\)$/,"")} /^End-Date: /{print s"|"$2" "$3"|"n; n=0}' \
    "$hist" | while IFS='|' read -r s e n; do
      echo "$(logdate "$s") $(logdate "$e") $n" >>"$out/apt-runs.txt"
    done
fi
debs_mib=$(find "$root/var/cache/apt/archives" -name '*.deb' -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s / 1048576}')
conf_end=$(mtime "$b/build/build.ninja")
build_end=$(mtime "$b/build/bootgate" "$b"/build/*bootgate-libvirt*)
image_end=$(mtime "$b/images/.cache/reference/stamp")
report=$(ls -td "$b"/reports/*/report.json 2>/dev/null | head -n 1 || true)
[ -z "$report" ] || cp "$report" "$out/report.json"

python3 - "$rc" "$t0" "$t1" "$out/cpu.txt" "$out/apt-runs.txt" "${conf_end:-}" "${build_end:-}" "${image_end:-}" \
  "$debs_mib" "$load0" "$load1" "$variant" "$out/report.json" "$head" <<'EOF' | tee -a "$out/figures.txt"
import json, os, sys
(rc, t0, t1, cpu, runs, conf_end, build_end, image_end, debs_mib, load0, load1, variant, report,
 head) = sys.argv[1:]
t0, t1 = float(t0), float(t1)
at = lambda s: float(s) - t0 if s else None
apt = [(float(a) - t0, float(b) - t0, int(n))
       for a, b, n in (l.split() for l in open(runs) if len(l.split()) == 3)]
conf, build, image, end = at(conf_end), at(build_end), at(image_end), t1 - t0
def span(a, b):
    return f"{b - a:.0f} s" if a is not None and b is not None and b >= a else "?"
# The critical path: the first apt run, configure, build, what is left of
# the image (built beside the build or after it), the reference run.
first_end = apt[0][1] if apt else None
ready = max([x for x in (build, image) if x is not None], default=None)
parts = [f"apt {span(0, first_end)}" +
         (f" (update+download {apt[0][0]:.0f} s, dpkg {span(apt[0][0], apt[0][1])})" if apt else ""),
         f"configure {span(first_end, conf)}", f"build {span(conf, build)}",
         f"image after the build {max(0.0, image - build):.0f} s"
         if image is not None and build is not None else "image ?",
         f"run {span(ready, end)}"]
beside = ""
if len(apt) > 1:
    prev, bits = apt[0][1], []
    for s, e, _ in apt[1:]:
        bits.append(f"apt {prev:.0f}-{e:.0f} s (dpkg {e - s:.0f} s)")
        prev = e
    beside = f"; beside the build: {', '.join(bits)}" + (f", image done at {image:.0f} s" if image else "")
packages = sum(n for _, _, n in apt)
try:
    cpu_s = sum(float(x) for x in open(cpu).read().split()[-2:])
    cpu = f"; cpu {cpu_s:.0f} s (user+sys)"
except (OSError, ValueError):
    cpu = ""
verdict = "no report"
if os.path.exists(report):
    r = json.load(open(report))
    boot = [x["metrics"]["boot_s"] for x in r.get("runs", []) if "boot_s" in x.get("metrics", {})]
    verdict = f"run {r.get('verdict')}" + (f", boot_s {boot[0]:.2f} s" if boot else "")
print(f"c fresh Debian 12 machine ({variant} + git, ca-certificates; {head[:7]}): "
      f"{end:.0f} s (exit {rc}){cpu}; {', '.join(parts)}{beside}; apt installed {packages} packages "
      f"in {len(apt)} run(s), {debs_mib} MiB downloaded; {verdict}; load {load0} -> {load1}")
EOF
echo "figures: $out/figures.txt (output: $out/fresh.out)"
exit "$rc"
