#!/usr/bin/env bash
# Figures of issue 26, each measured in one run:
#   a) `bootgate ab` against a known truth: the reference kernel booted
#      directly with and without bootgate.delay_s=D (a sleep of D seconds
#      just before the login prompt, images/reference/README.md):
#        a1  D = 1.0 s, --until-decided 20: decision, shift, interval, pairs
#            needed (the look it stopped at);
#        a2  A against A, --until-decided 20: decision and pairs needed;
#        a3  D = 0.5, 0.25, 0.1 s (AB_SHIFTS) at --pairs 10 (min effect 0.05 s): which
#            shifts 10 pairs decide on this host.
#   b) wall time of a 10-boot (GATE_BOOTS) gate of scenarios/reference-install.json with
#      one install per boot (the default) and one install for all
#      (--boots-per-install 10); then the same for the Photon test image
#      (scenarios/photon-5-testimage-2.7.json) when its ISO is in the image
#      cache, else said and skipped.
#   c) the first quick-start command (`ci/setup.sh && build/bootgate run
#      scenarios/reference.json`) in a fresh clone with an empty compiler
#      cache and a fresh HOME, the packages already installed; then on a
#      fresh Debian 12 machine, apt included (harness/bench/fresh_machine.sh:
#      a new mmdebstrap root, needs root and a few GiB under /work/tmp-fresh).
# Every boot runs under TCG (--accel tcg). Results: one line per figure on
# stdout and in OUT/figures.txt; the reports under OUT.
#
# usage: harness/bench/ab.sh [-o outdir] [-b path/to/bootgate] [-s a,b,c]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bootgate=$root/build/bootgate
out=$(mktemp -d /tmp/bootgate-ab-bench.XXXXXX)
steps=a,b,c
while getopts "o:b:s:" opt; do
  case $opt in
    o) out=$OPTARG; mkdir -p "$out" ;;
    b) bootgate=$OPTARG ;;
    s) steps=$OPTARG ;;
    *) echo "usage: $0 [-o outdir] [-b bootgate] [-s a,b,c]" >&2; exit 2 ;;
  esac
done
export BOOTGATE_IMAGE_CACHE=${BOOTGATE_IMAGE_CACHE:-$root/images/.cache}
"$root/images/reference/build.sh" >/dev/null
ref=$BOOTGATE_IMAGE_CACHE/reference
figures=$out/figures.txt
: >"$figures"
say() { echo "$*" | tee -a "$figures"; }
want() { case ",$steps," in *",$1,"*) return 0 ;; esac; return 1; }

scenario() { # name delay_s -> path
  local f=$out/$1.json append="console=ttyS0,115200 printk.time=1"
  [ -z "$2" ] || append="$append bootgate.delay_s=$2"
  cat >"$f" <<EOF
{"name": "$1", "profile": "qemu-kvm",
 "image": {"kernel": "$ref/vmlinuz", "initrd": "$ref/initrd.img", "append": "$append"},
 "vm": {"cpus": 1, "memory_mib": 512, "accel": "tcg"},
 "boot": {"login_pattern": "refimg login: ?\$", "timeout_s": 180},
 "access": {"method": "none"}}
EOF
  echo "$f"
}

ab_line() { # label report.json
  python3 - "$1" "$2" <<'EOF'
import json, sys
label, path = sys.argv[1], sys.argv[2]
ab = json.load(open(path))["ab"]
m = next(x for x in ab["metrics"] if x["metric"] == "boot_s")
print(f"{label}: {ab['decision']} after {ab['pairs']} pairs ({ab['stopping']}); "
      f"boot_s baseline {m['baseline_median']:.3f} s, candidate {m['candidate_median']:.3f} s, "
      f"shift {m['shift_s']:+.3f} s [{m['ci_low']:+.3f}, {m['ci_high']:+.3f}] "
      f"({m['ci_level']*100:.1f}%), p {m['p_value']:.4f}")
EOF
}

ab() { # label dir args...
  local label=$1 dir=$2
  shift 2
  local t0 rc=0
  t0=$(date +%s.%N)
  "$bootgate" ab --accel tcg --history "" --report-dir "$out/$dir" --quiet "$@" \
    >"$out/$dir.out" 2>"$out/$dir.err" || rc=$?
  local wall
  wall=$(echo "$(date +%s.%N) - $t0" | bc)
  say "$(ab_line "$label" "$out/$dir/report.json") (exit $rc, wall ${wall%.*} s)"
}

if want a; then
  base=$(scenario ab-base "")
  ab "a1 known 1.0 s shift" a1 --baseline "$base" --candidate "$(scenario ab-delay-1.0 1.0)" \
    --until-decided 20 --min-effect 0.25s
  ab "a2 A vs A" a2 --baseline "$base" --candidate "$base" --until-decided 20 --min-effect 0.25s
  for d in ${AB_SHIFTS:-0.5 0.25 0.1}; do
    ab "a3 shift $d s, 10 pairs" "a3-$d" --baseline "$base" \
      --candidate "$(scenario "ab-delay-$d" "$d")" --pairs 10 --min-effect 0.05s
  done
fi

gate() { # label dir scenario extra-args...
  local label=$1 dir=$2 sc=$3
  shift 3
  local t0 rc=0
  t0=$(date +%s.%N)
  "$bootgate" run "$sc" --iterations "${GATE_BOOTS:-10}" --warmup 0 --accel tcg --history "" --no-html \
    --report-dir "$out/$dir" --quiet "$@" >"$out/$dir.out" 2>"$out/$dir.err" || rc=$?
  local wall
  wall=$(echo "$(date +%s.%N) - $t0" | bc)
  python3 - "$label" "$out/$dir/report.json" "$wall" "$rc" <<'EOF' | tee -a "$figures"
import json, sys, statistics
label, path, wall, rc = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
r = json.load(open(path))
runs = r["runs"]
installs = sorted({x.get("install_id", "") for x in runs})
inst = [x["metrics"]["install_s"] for x in runs if "install_s" in x["metrics"]]
boot = [x["metrics"]["boot_s"] for x in runs if "boot_s" in x["metrics"]]
per_run = [x["wall_s"] for x in runs]
print(f"{label}: wall {wall:.0f} s for {len(runs)} boots, {len(installs)} install(s) "
      f"(install_s median {statistics.median(inst) if inst else 0:.1f} s), "
      f"boot_s median {statistics.median(boot) if boot else 0:.1f} s, "
      f"run wall median {statistics.median(per_run):.1f} s; verdict {r['verdict']} (exit {rc})")
EOF
}

if want b; then
  gate "b1 reference-install, 1 install per boot" b1 "$root/scenarios/reference-install.json"
  gate "b2 reference-install, 1 install for all boots" b2 "$root/scenarios/reference-install.json" \
    --boots-per-install "${GATE_BOOTS:-10}"
  photon=$root/scenarios/photon-5-testimage-2.7.json
  if ls "$BOOTGATE_IMAGE_CACHE"/photon-test/*.iso >/dev/null 2>&1; then
    gate "b3 photon test image, 1 install per boot" b3 "$photon"
    gate "b4 photon test image, 1 install for all boots" b4 "$photon" --boots-per-install "${GATE_BOOTS:-10}"
  else
    say "b3/b4 photon test image: skipped, no ISO in $BOOTGATE_IMAGE_CACHE/photon-test"
  fi
fi

if want c; then
  clone=$out/clone
  rm -rf "$clone"
  git clone -q "$root" "$clone"
  git -C "$clone" checkout -q "$(git -C "$root" rev-parse HEAD)"
  ccache_dir=$(mktemp -d)
  home=$(mktemp -d)
  t0=$(date +%s.%N)
  rc=0
  (cd "$clone" && env -u BOOTGATE_IMAGE_CACHE HOME="$home" CCACHE_DIR="$ccache_dir" \
    bash -c 'ci/setup.sh && build/bootgate run scenarios/reference.json' \
    >"$out/c.out" 2>&1) || rc=$?
  wall=$(echo "$(date +%s.%N) - $t0" | bc)
  say "c quick start (fresh clone, empty ccache, fresh HOME, packages present): ${wall%.*} s (exit $rc)"
  # The same command on a fresh Debian 12 machine, apt included: a new
  # root made with mmdebstrap (harness/bench/fresh_machine.sh).
  "$here/fresh_machine.sh" -o "$out" >"$out/c-fresh.log" 2>&1 ||
    say "c fresh Debian 12 machine: fresh_machine.sh failed (exit $?, see $out/c-fresh.log)"
  grep '^c fresh Debian 12 machine' "$out/c-fresh.log" || true
  rm -rf "$ccache_dir" "$home"
fi
echo "figures: $figures"
