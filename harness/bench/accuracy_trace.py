#!/usr/bin/env python3
"""Same-boot ground truth for harness/bench/accuracy.sh, from an strace log.

bootgate ran under `strace -f -ttt -xx --seccomp-bpf -e trace=execve,clone,
clone3,fork,vfork,write,writev`. The kernel saw, on one clock (CLOCK_REALTIME, us):
  - fork: bootgate's clone() that created the QEMU process;
  - prompt: QEMU's writev() to its serial console (fd 1, a pipe to bootgate)
    after which the unfinished console line first matches LOGIN_REGEX, the
    same rule bootgate applies to the unfinished line.
bootgate's report gives its own t0 (vm_phases[0].t0_unix_s) and boot_s. So:
  start_ms  = fork - t0         (bootgate's t0 is taken just before fork)
  detect_ms = (t0 + boot_s) - prompt   (read, stamp and match latency)
  error_ms  = boot_s - (prompt - fork) = start_ms + detect_ms
The tracer stops QEMU at each traced syscall, so detect_ms includes the stop
and is an upper bound on bootgate's latency.

usage: accuracy_trace.py TRACE REPORT_JSON LOGIN_REGEX
prints: {"start_ms": .., "detect_ms": .., "error_ms": .., "truth_boot_s": ..}
"""
import json
import re
import sys

LINE = re.compile(r"^(\d+) +(\d+\.\d+) (.*)$")
CALL = re.compile(r"^(execve|clone3?|v?fork)\(")
RESUMED = re.compile(r"^<\.\.\. (execve|clone3?|v?fork) resumed>")
WRITE = re.compile(r'^(?:write|writev)\((\d+), (.*)$')
IOV = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')
RESULT = re.compile(r"= (-?\d+)(?: [A-Z]+.*)?$")


def decoded(text):
    """strace -xx text with its \\xNN escapes decoded."""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def main():
    trace, report, regex = sys.argv[1], sys.argv[2], sys.argv[3]
    run = json.load(open(report))["runs"][0]
    t0 = run["vm_phases"][0]["t0_unix_s"]
    boot_s = run["metrics"]["boot_s"]
    login = re.compile(regex)

    pending = {}  # tid -> (name, entry time, text) of an unfinished call
    forks = {}  # child pid -> entry time of the clone that made it
    qemu = set()  # tids of the QEMU process
    fork_t = prompt_t = None
    line_buf = ""
    for raw in open(trace, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        tid, t, rest = int(m.group(1)), float(m.group(2)), m.group(3)
        if CALL.match(rest):
            name = CALL.match(rest).group(1)
            if rest.endswith("<unfinished ...>"):
                pending[tid] = (name, t, rest)
                continue
            entry, text = t, rest
        elif RESUMED.match(rest):
            name, entry, text = pending.pop(tid, (RESUMED.match(rest).group(1), t, ""))
            text += rest
        else:
            w = WRITE.match(rest)
            if w and tid in qemu and w.group(1) == "1" and prompt_t is None:
                # write(1, "..", n) or writev(1, [{iov_base="..", ..}, ..], n):
                # QEMU's stdio chardev uses writev.
                data = "".join(bytes.fromhex(b.replace("\\x", "")).decode("latin-1")
                               for b in IOV.findall(w.group(2)))
                for ch in data:
                    if ch == "\n":
                        line_buf = ""
                    elif ch != "\r":
                        line_buf += ch
                        # bootgate cuts a line at 4096 bytes and goes on with
                        # a new one (console/line_splitter.h); so does this,
                        # which also keeps a flood without newlines linear.
                        if len(line_buf) > 4096:
                            line_buf = ch
                if login.search(line_buf):
                    prompt_t = t
            continue
        r = RESULT.search(text)
        if not r or int(r.group(1)) < 0:
            continue
        if name == "execve":
            # The VM's QEMU (serial on stdio as con0), not the KVM probe's.
            if "qemu-system" in decoded(text.split(",")[0]) and "id=con0" in decoded(text) \
                    and not qemu:
                qemu.add(tid)
                fork_t = forks.get(tid)
        elif tid in qemu:
            qemu.add(int(r.group(1)))  # a QEMU thread
        else:
            forks[int(r.group(1))] = entry
    if fork_t is None or prompt_t is None:
        sys.exit(f"accuracy_trace.py: {trace}: no QEMU fork or no login prompt written "
                 f"(fork {fork_t}, prompt {prompt_t})")
    start_ms = (fork_t - t0) * 1000
    detect_ms = (t0 + boot_s - prompt_t) * 1000
    print(json.dumps({"start_ms": round(start_ms, 3), "detect_ms": round(detect_ms, 3),
                      "error_ms": round(start_ms + detect_ms, 3),
                      "truth_boot_s": round(prompt_t - fork_t, 6), "boot_s": boot_s}))


if __name__ == "__main__":
    main()
