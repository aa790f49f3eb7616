#!/usr/bin/env bash
# Accuracy and overhead of bootgate's boot timing, against ground truth.
#
# Boots the reference ISO N times (default 5). Each iteration:
#   1. `bootgate run` under `strace -f -ttt -xx --seccomp-bpf -e trace=
#      execve,clone,clone3,fork,vfork,write,writev`: the SAME boot seen by the kernel
#      and by bootgate. accuracy_trace.py takes the clone() that made QEMU and
#      QEMU's writev() that completed the login prompt on its serial pipe, and
#      compares them with bootgate's t0 and boot_s (report.json). This is the
#      accuracy figure: bootgate's boot_s minus the kernel-observed boot.
#      The same trace gives bootgate's overhead, execve(bootgate) ->
#      execve(QEMU), "cold" (iteration 1, empty KVM-probe cache: the probe
#      runs) and "warm", with every helper run before QEMU.
#   2. An untraced `bootgate run` (the tracer's stops slow QEMU's boot), with
#      bootgate's own CPU time and peak RSS from /proc/<pid>/stat and VmHWM
#      sampled every 20 ms (not /usr/bin/time -v: wait4's rusage would fold
#      in QEMU's).
#   3. A raw boot: QEMU started directly with the argv bootgate recorded
#      (minus its QMP socket) by accuracy_raw.py, serial read in a tight loop
#      with CLOCK_MONOTONIC. Separate boots differ by seconds under TCG, so
#      this comparison shows boot-to-boot spread, not bootgate's error.
# Then scenarios/reference.json (SSH, samples, checks) with 1 VM and with 4
# VMs at once (--iterations 4 --jobs 4), for CPU and RSS per VM tracked.
# Targets: same-boot median |error| < 5 ms, < 50 ms to QEMU exec (warm),
# < 10 MiB RSS per VM.
#
# With -f FAULT (e.g. -f noise: ~2 MiB of garbage and escapes flooding the
# console before the prompt) the reference kernel boots directly with
# bootgate.fault=FAULT and only step 1 runs: the same-boot boot_s error
# under that fault.
#
# usage: harness/bench/accuracy.sh [-n N] [-b path/to/bootgate] [-o outdir] [-f FAULT]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=5
bootgate=$root/build/bootgate
out=$(mktemp -d /tmp/bootgate-accuracy.XXXXXX)
fault=
while getopts "n:b:o:f:" opt; do
  case $opt in
    n) n=$OPTARG ;;
    b) bootgate=$(realpath "$OPTARG") ;;
    o) out=$OPTARG; mkdir -p "$out" ;;
    f) fault=$OPTARG ;;
    *) sed -n '2,33p' "$0"; exit 2 ;;
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
if [ -n "$fault" ]; then
  cat >"$scn" <<JSON
{"name": "accuracy-$fault",
 "image": {"kernel": "$ref/vmlinuz", "initrd": "$ref/initrd.img",
           "append": "console=ttyS0,115200 printk.time=1 bootgate.fault=$fault",
           "recipe": "$root/images/reference/build.sh"},
 "vm": {"cpus": 1, "memory_mib": 512, "accel": "auto"},
 "boot": {"login_pattern": "refimg login: ?\$", "timeout_s": 600},
 "access": {"method": "none"}}
JSON
fi
login='refimg login: ?$'
cache_cold=$out/cache  # empty before iteration 1 only
export BOOTGATE_STATE_DIR=$out/state

# sample_usage <pid> <file>: until <pid> ends, samples its own peak RSS
# (VmHWM, KiB) and CPU ticks (utime + stime, not its children's); writes
# "hwm ticks" to <file>.
sample_usage() {
  local pid=$1 hwm=0 ticks=0 h t
  while kill -0 "$pid" 2>/dev/null; do
    h=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true)
    [ -n "$h" ] && hwm=$h
    [ -n "$t" ] && ticks=$t
    sleep 0.02
  done
  echo "$hwm $ticks" >"$2"
}

# run_traced <label> <cache dir>: one bootgate run under strace.
run_traced() {
  local label=$1 cache=$2 dir=$out/$1
  mkdir -p "$dir"
  # realtime - monotonic before and after: the same-boot comparison maps
  # bootgate's monotonic stamps onto strace's realtime ones.
  python3 -c 'import time; print(time.time() - time.monotonic())' >"$dir/clocks"
  BOOTGATE_CACHE_DIR=$cache strace -f -ttt -xx --seccomp-bpf -e signal=none \
    -e trace=execve,clone,clone3,fork,vfork,write,writev -s 65536 -o "$dir/execve.trace" \
    "$bootgate" run "$scn" --report-dir "$dir/report" --history "" --no-html --quiet \
    >"$dir/stdout" 2>"$dir/stderr" ||
    { echo "accuracy.sh: bootgate failed in $dir" >&2; cat "$dir/stderr" >&2; return 1; }
  python3 -c 'import time; print(time.time() - time.monotonic())' >>"$dir/clocks"
  python3 "$here/accuracy_trace.py" "$dir/execve.trace" "$dir/report/report.json" "$login" \
    >"$dir/same-boot.json"
}

# run_plain <dir> <scenario> [bootgate args...]: one untraced bootgate run,
# sampled.
run_plain() {
  local dir=$1 scenario=$2
  shift 2
  mkdir -p "$dir"
  BOOTGATE_CACHE_DIR=$cache_cold "$bootgate" run "$scenario" --report-dir "$dir" --history "" \
    --no-html --quiet "$@" >"$dir.stdout" 2>&1 &
  local pid=$!
  sample_usage "$pid" "$dir.usage"
  wait "$pid" || { echo "accuracy.sh: untraced bootgate run failed in $dir" >&2; exit 1; }
}

if [ -n "$fault" ]; then
  echo "accuracy.sh: $n traced boots of $ref/vmlinuz with bootgate.fault=$fault; results in $out" >&2
else
  echo "accuracy.sh: $n boots x 2 (bootgate, raw) of $ref/reference.iso; results in $out" >&2
fi
"$root/images/reference/build.sh" >/dev/null  # the image exists before timing starts
for i in $(seq 1 "$n"); do
  # Iteration 1 is cold (fresh cache dir: KVM probe runs); the rest warm.
  [ "$i" = 1 ] && rm -rf "$cache_cold"
  run_traced "iter$i" "$cache_cold"
  if [ -n "$fault" ]; then
    echo "  iteration $i done (fault=$fault: same boot only)" >&2
    continue
  fi
  # The tracer stops QEMU at every traced syscall: boot_s for the
  # separate-boot comparison, CPU and RSS come from an untraced run.
  run_plain "$out/iter$i/plain" "$scn"
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

if [ -n "$fault" ]; then
  python3 - "$out" "$n" "$fault" <<'PY'
import json, statistics, sys
out, n, fault = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.load(open(f"{out}/iter{i}/same-boot.json")) for i in range(1, n + 1)]
for i, s in enumerate(rows, 1):
    print(f"iter {i}: boot_s {s['boot_s']:.6f}  error {s['error_ms']:+.3f} ms  "
          f"(fork-t0 {s['start_ms']:.3f} ms, detect {s['detect_ms']:.3f} ms)")
errs = [s["error_ms"] for s in rows]
print(f"\nfault={fault}: same boot, bootgate boot_s - kernel-observed boot: median "
      f"{statistics.median(errs):+.3f} ms (min {min(errs):+.3f}, max {max(errs):+.3f}) over {n} boots")
PY
  exit 0
fi

# Per-VM memory with the whole pipeline (SSH sessions, samples, checks):
# scenarios/reference.json with 1 VM, then 4 VMs at once.
echo "  scenarios/reference.json: 1 VM, then 4 VMs at once (--jobs 4)" >&2
run_plain "$out/ssh1" "$root/scenarios/reference.json"
run_plain "$out/ssh4" "$root/scenarios/reference.json" --iterations 4 --jobs 4

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
    same = json.load(open(f"{d}/same-boot.json"))
    c0, c1 = map(float, open(f"{d}/clocks").read().split())
    hwm_kib, ticks = map(int, open(f"{d}/plain.usage").read().split())
    t_start = t_qemu = None
    helpers = []
    for line in open(f"{d}/execve.trace", errors="replace"):
        line = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), line)  # -xx
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
    rows.append(dict(i=i, boot=plain["metrics"]["boot_s"], raw=raw["boot_s"], same=same,
                     drift_ms=(c1 - c0) * 1000,
                     overhead_ms=(t_qemu - t_start) * 1000, helpers=helpers,
                     rss_mib=hwm_kib / 1024, cpu_ms=ticks * 1000 / hz, wall=rep["wall_s"],
                     accel=rep["accelerator"]))
def helpers_text(helpers):
    if len(helpers) <= 8:
        return ", ".join(helpers)
    return ", ".join(helpers[:6]) + f", ... {len(helpers) - 6} more (the image recipe rebuilt)"
print(f"{'iter':>4} {'accel':>5} | {'same boot: traced boot_s':>24} {'error ms':>8} "
      f"{'fork-t0 ms':>10} {'detect ms':>9} | {'untraced boot_s':>15} {'raw boot_s':>10} "
      f"{'diff ms':>8} | {'to QEMU exec ms':>15} {'CPU ms':>7} {'peak RSS MiB':>12}  helpers before QEMU")
for r in rows:
    s = r["same"]
    print(f"{r['i']:>4} {r['accel']:>5} | {s['boot_s']:>24.6f} {s['error_ms']:>8.3f} "
          f"{s['start_ms']:>10.3f} {s['detect_ms']:>9.3f} | {r['boot']:>15.3f} {r['raw']:>10.3f} "
          f"{(r['boot'] - r['raw']) * 1000:>8.1f} | {r['overhead_ms']:>15.1f} {r['cpu_ms']:>7.0f} "
          f"{r['rss_mib']:>12.1f}  {helpers_text(r['helpers'])}")
errs = [r["same"]["error_ms"] for r in rows]
diffs = [(r["boot"] - r["raw"]) * 1000 for r in rows]
# Warm: KVM probe cached and the image up to date (a recipe that rebuilt,
# because its files changed, is the recipe's time, not bootgate's).
warm = [r["overhead_ms"] for r in rows[1:] if len(r["helpers"]) <= 8] or [rows[0]["overhead_ms"]]
rebuilt = sum(1 for r in rows if len(r["helpers"]) > 8)
print(f"\nsame boot, bootgate boot_s - kernel-observed boot (clone -> QEMU's write of the prompt): "
      f"median {statistics.median(errs):+.3f} ms (min {min(errs):+.3f}, max {max(errs):+.3f}; "
      f"of which fork - t0 median {statistics.median(r['same']['start_ms'] for r in rows):.3f} ms); "
      f"realtime-monotonic drift during a run at most {max(abs(r['drift_ms']) for r in rows):.3f} ms")
print(f"separate boots, untraced bootgate - raw QEMU: median {statistics.median(diffs):+.1f} ms "
      f"(min {min(diffs):+.1f}, max {max(diffs):+.1f}; raw boot_s spread "
      f"{(max(r['raw'] for r in rows) - min(r['raw'] for r in rows)) * 1000:.0f} ms): boot-to-boot "
      f"variance, not bootgate's error")
print(f"overhead to QEMU exec: cold {rows[0]['overhead_ms']:.1f} ms, warm median "
      f"{statistics.median(warm):.1f} ms (min {min(warm):.1f}, max {max(warm):.1f}, "
      f"{len(warm)} runs" + (f"; {rebuilt} run(s) that rebuilt the image left out" if rebuilt else "")
      + ")")
def usage(name):
    hwm_kib, ticks = map(int, open(f"{out}/{name}.usage").read().split())
    return hwm_kib / 1024, ticks * 1000 / hz
rss_boot = max(r["rss_mib"] for r in rows)
rss1, cpu1 = usage("ssh1")
rss4, cpu4 = usage("ssh4")
print(f"bootgate's own CPU (untraced, excluding QEMU): boot only median "
      f"{statistics.median(r['cpu_ms'] for r in rows):.0f} ms; reference.json (SSH, samples, "
      f"checks, reports) {cpu1:.0f} ms for 1 VM, {cpu4 / 4:.0f} ms per VM with 4 at once")
print(f"bootgate's peak RSS: boot only {rss_boot:.1f} MiB; reference.json 1 VM {rss1:.1f} MiB, "
      f"4 VMs at once {rss4:.1f} MiB = {rss4 / 4:.1f} MiB per VM tracked (each VM beyond "
      f"the first adds {(rss4 - rss1) / 3:.1f} MiB)")
PY
