#!/usr/bin/env bash
# Accuracy and overhead of bootgate's boot timing, against ground truth.
#
# Boots the reference ISO N times (default 5) through `bootgate run` (once
# under strace for the overhead figures, once untraced for boot_s), and
# after each, boots it again with the very argv bootgate recorded in
# report.json (runs[0].vm_phases[0].argv, minus bootgate's QMP socket) under
# accuracy_raw.py: QEMU forked directly, serial read in a tight poll loop,
# CLOCK_MONOTONIC from fork to the login prompt. Reports:
#   - boot_s (bootgate) vs boot_s (raw): median and spread of the difference;
#   - bootgate's overhead before QEMU starts: execve(bootgate) -> execve(QEMU)
#     from `strace -f -ttt --seccomp-bpf -e trace=execve` (the tracer stops
#     the tracee only at execve, so it costs microseconds), "cold" (empty
#     KVM-probe cache: the probe runs) and "warm" (cached), with every helper
#     bootgate ran before QEMU (image recipe, KVM probe, xorriso for seeds);
#   - bootgate's own CPU time and peak RSS per VM, from /proc/<pid>/stat and
#     VmHWM sampled every 20 ms (not /usr/bin/time -v: wait4's rusage folds
#     in QEMU, bootgate's child, and would report QEMU's RSS and CPU).
# Targets: median |difference| < 5 ms, < 50 ms to QEMU exec (warm),
# < 10 MiB RSS per VM.
#
# usage: harness/bench/accuracy.sh [-n N] [-b path/to/bootgate] [-o outdir]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=5
bootgate=$root/build/bootgate
out=$(mktemp -d /tmp/bootgate-accuracy.XXXXXX)
while getopts "n:b:o:" opt; do
  case $opt in
    n) n=$OPTARG ;;
    b) bootgate=$(realpath "$OPTARG") ;;
    o) out=$OPTARG; mkdir -p "$out" ;;
    *) sed -n '2,24p' "$0"; exit 2 ;;
  esac
done
for tool in strace python3 qemu-system-x86_64; do
  command -v "$tool" >/dev/null || { echo "accuracy.sh: needs $tool" >&2; exit 2; }
done
[ -x "$bootgate" ] || { echo "accuracy.sh: no bootgate at $bootgate (use -b)" >&2; exit 2; }

ref=$root/images/.cache/reference
# The reference ISO as reference.json boots it, minus SSH: the boot argv then
# references no per-run file (the NoCloud seed is deleted with the run).
scn=$out/accuracy.json
cat >"$scn" <<JSON
{"name": "accuracy",
 "image": {"iso": "$ref/reference.iso", "recipe": "$root/images/reference/build.sh"},
 "vm": {"cpus": 1, "memory_mib": 512, "accel": "auto"},
 "boot": {"login_pattern": "refimg login: ?\$", "timeout_s": 180},
 "access": {"method": "none"}}
JSON
login='refimg login: ?$'
cache_cold=$out/cache  # empty before iteration 1 only
export BOOTGATE_STATE_DIR=$out/state

# run_bootgate <label> <cache dir>: one traced, sampled bootgate run.
run_bootgate() {
  local label=$1 cache=$2 dir=$out/$1
  mkdir -p "$dir"
  BOOTGATE_CACHE_DIR=$cache strace -f -ttt --seccomp-bpf -e trace=execve -e signal=none \
    -s 256 -o "$dir/execve.trace" \
    "$bootgate" run "$scn" --report-dir "$dir/report" --history "" --no-html --quiet \
    >"$dir/stdout" 2>"$dir/stderr" &
  local tracer=$! pid="" hwm=0 ticks=0
  while kill -0 "$tracer" 2>/dev/null; do
    [ -n "$pid" ] || pid=$(pgrep -P "$tracer" -x bootgate || true)
    if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
      local h t
      h=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true)
      [ -n "$h" ] && hwm=$h
      [ -n "$t" ] && ticks=$t
    fi
    sleep 0.02
  done
  wait "$tracer" || { echo "accuracy.sh: bootgate failed in $dir" >&2; cat "$dir/stderr" >&2; return 1; }
  echo "$hwm $ticks" >"$dir/usage"
}

echo "accuracy.sh: $n boots x 2 (bootgate, raw) of $ref/reference.iso; results in $out" >&2
"$root/images/reference/build.sh" >/dev/null  # the image exists before timing starts
for i in $(seq 1 "$n"); do
  # Iteration 1 is cold (fresh cache dir: KVM probe runs); the rest warm.
  [ "$i" = 1 ] && rm -rf "$cache_cold"
  run_bootgate "iter$i" "$cache_cold"
  # strace -f traces QEMU too (its TCG kick signals stop the tracee), which
  # slows the boot by seconds: boot_s for the comparison comes from a second,
  # untraced bootgate run.
  BOOTGATE_CACHE_DIR=$cache_cold "$bootgate" run "$scn" --report-dir "$out/iter$i/plain" \
    --history "" --no-html --quiet >"$out/iter$i/plain.stdout" 2>&1 ||
    { echo "accuracy.sh: untraced bootgate run failed in $out/iter$i" >&2; exit 1; }
  python3 - "$out/iter$i/report/report.json" >"$out/iter$i/raw-argv.json" <<'PY'
import json, sys
argv = json.load(open(sys.argv[1]))["runs"][0]["vm_phases"][0]["argv"]
out, skip = [], 0
for i, a in enumerate(argv):
    if skip: skip -= 1; continue
    # bootgate's QMP socket is an inherited fd: not ours to pass.
    if a == "-chardev" and argv[i + 1].startswith("socket,id=qmp0"): skip = 1; continue
    if a == "-mon" and argv[i + 1].startswith("chardev=qmp0"): skip = 1; continue
    # The pidfile lived in the run's workspace, which is gone.
    if a == "-pidfile": skip = 1; continue
    out.append(a)
print(json.dumps(out))
PY
  mapfile -t raw_argv < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$out/iter$i/raw-argv.json")
  python3 "$here/accuracy_raw.py" "$login" 180 -- "${raw_argv[@]}" >"$out/iter$i/raw.json" ||
    { echo "accuracy.sh: the raw boot did not reach the login prompt: $(cat "$out/iter$i/raw.json")" >&2; exit 1; }
  echo "  iteration $i done" >&2
done

python3 - "$out" "$n" <<'PY'
import json, os, re, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
hz = os.sysconf("SC_CLK_TCK")
rows = []
for i in range(1, n + 1):
    d = f"{out}/iter{i}"
    rep = json.load(open(f"{d}/report/report.json"))["runs"][0]
    plain = json.load(open(f"{d}/plain/report.json"))["runs"][0]
    raw = json.load(open(f"{d}/raw.json"))
    hwm_kib, ticks = map(int, open(f"{d}/usage").read().split())
    t_start = t_qemu = None
    helpers = []
    for line in open(f"{d}/execve.trace"):
        m = re.match(r"(\d+) +(\d+\.\d+) execve\(\"([^\"]+)\", \[(.*?)\]", line)
        if not m or "= -1" in line:
            continue
        t, exe, args = float(m.group(2)), m.group(3), m.group(4)
        if t_start is None:
            t_start = t
            continue
        if "qemu-system" in exe and "qmp0" in args and t_qemu is None:
            t_qemu = t
        elif t_qemu is None:
            helpers.append(f"{os.path.basename(exe)} +{(t - t_start) * 1000:.0f} ms")
    rows.append(dict(i=i, boot=plain["metrics"]["boot_s"], raw=raw["boot_s"],
                     overhead_ms=(t_qemu - t_start) * 1000, helpers=helpers,
                     rss_mib=hwm_kib / 1024, cpu_ms=ticks * 1000 / hz, wall=rep["wall_s"],
                     accel=rep["accelerator"]))
print(f"{'iter':>4} {'accel':>5} {'bootgate boot_s':>15} {'raw boot_s':>10} {'diff ms':>8} "
      f"{'to QEMU exec ms':>15} {'CPU ms':>7} {'peak RSS MiB':>12}  helpers before QEMU")
for r in rows:
    print(f"{r['i']:>4} {r['accel']:>5} {r['boot']:>15.3f} {r['raw']:>10.3f} "
          f"{(r['boot'] - r['raw']) * 1000:>8.1f} {r['overhead_ms']:>15.1f} {r['cpu_ms']:>7.0f} "
          f"{r['rss_mib']:>12.1f}  {', '.join(r['helpers'])}")
diffs = [(r["boot"] - r["raw"]) * 1000 for r in rows]
warm = [r["overhead_ms"] for r in rows[1:]] or [rows[0]["overhead_ms"]]
print(f"\nmedian boot_s difference (bootgate - raw): {statistics.median(diffs):+.1f} ms "
      f"(min {min(diffs):+.1f}, max {max(diffs):+.1f}; raw boot_s spread "
      f"{(max(r['raw'] for r in rows) - min(r['raw'] for r in rows)) * 1000:.0f} ms)")
print(f"overhead to QEMU exec: cold {rows[0]['overhead_ms']:.1f} ms, warm median {statistics.median(warm):.1f} ms")
print(f"bootgate per VM: CPU median {statistics.median(r['cpu_ms'] for r in rows):.0f} ms, "
      f"peak RSS max {max(r['rss_mib'] for r in rows):.1f} MiB")
PY
