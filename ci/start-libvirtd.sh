#!/bin/sh
# Starts virtlogd and libvirtd (as root) if they are not running, then waits
# until `virsh -c qemu:///system version` answers (at most ~20 s).
# Idempotent: a second call finds both running and returns at once.
# Exit status: 0 when libvirtd answers, 1 when it does not.
set -u

if [ "$(id -u)" != 0 ]; then
  echo "start-libvirtd: must run as root (qemu:///system needs the system daemon)" >&2
  exit 1
fi
for tool in virsh libvirtd virtlogd; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "start-libvirtd: $tool not found; install libvirt-daemon-system and libvirt-clients" >&2
    exit 1
  fi
done

answers() { virsh -c qemu:///system version >/dev/null 2>&1; }

if answers; then exit 0; fi

mkdir -p /run/libvirt
# pidof -s with the exact program name: never matches other processes.
if ! pidof -s virtlogd >/dev/null 2>&1; then
  virtlogd -d || { echo "start-libvirtd: virtlogd failed to start" >&2; exit 1; }
fi
if ! pidof -s libvirtd >/dev/null 2>&1; then
  libvirtd -d || { echo "start-libvirtd: libvirtd failed to start" >&2; exit 1; }
fi

i=0
while [ "$i" -lt 40 ]; do
  if answers; then exit 0; fi
  sleep 0.5
  i=$((i + 1))
done
echo "start-libvirtd: libvirtd did not answer on qemu:///system within 20 s" >&2
virsh -c qemu:///system version >&2 || true
exit 1
