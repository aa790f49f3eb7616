#!/usr/bin/env python3
"""Minimal ground-truth boot timer for harness/bench/accuracy.sh.

Starts QEMU with a given argv (the one bootgate recorded in report.json),
reads its serial console (stdout) in a tight poll loop, stamps every chunk
with CLOCK_MONOTONIC, and prints the seconds from just before fork to the
chunk that completed the login prompt. No threads, no regex engine beyond
one search per chunk, no logging: the smallest thing that can time a boot.

usage: accuracy_raw.py LOGIN_REGEX TIMEOUT_S -- QEMU ARGV...
prints: {"boot_s": 10.123, "bytes": 34567}
"""
import json
import os
import re
import select
import signal
import subprocess
import sys
import time


def main():
    sep = sys.argv.index("--")
    login = re.compile(sys.argv[1].encode())
    timeout_s = float(sys.argv[2])
    argv = sys.argv[sep + 1:]
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, bufsize=0)
    fd = proc.stdout.fileno()
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    line = b""
    total = 0
    boot_s = None
    try:
        while boot_s is None:
            now = time.clock_gettime(time.CLOCK_MONOTONIC)
            if now - t0 > timeout_s:
                break
            if not poller.poll(100):
                continue
            chunk = os.read(fd, 65536)
            t = time.clock_gettime(time.CLOCK_MONOTONIC)
            if not chunk:
                break
            total += len(chunk)
            # Only the current line can hold the prompt; keep it bounded.
            for piece in re.split(rb"[\r\n]", line + chunk)[:-1]:
                if login.search(piece):
                    boot_s = t - t0
            line = re.split(rb"[\r\n]", line + chunk)[-1][-4096:]
            # The prompt has no line ending: match the partial line too.
            if boot_s is None and login.search(re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", line)):
                boot_s = t - t0
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    print(json.dumps({"boot_s": boot_s, "bytes": total}))
    return 0 if boot_s is not None else 1


if __name__ == "__main__":
    sys.exit(main())
