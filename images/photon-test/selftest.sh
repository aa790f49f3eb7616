#!/usr/bin/env bash
# Boots the photon-test ISOs under QEMU (TCG, -no-reboot, serial console to
# a file, kernel and initrd read out of the ISO as bootgate does) and checks
# that they behave as the Photon OS 5.0 installer ISO does:
#   one-console   console=ttyS0,115200n8 only: the installer runs, installs,
#                 ends silently (2.3) or with "creating image was successful"
#                 (2.7), and QEMU exits by a guest reset (QMP SHUTDOWN reason)
#   boot-fixed    that disk, whose postinstall appended console=ttyS0,115200n8
#                 to /boot/systemd.cfg, boots to "<hostname> login:" on serial
#   boot-unfixed  a disk whose postinstall edited /boot/user.cfg (the old
#                 template) boots (sshd answers through a port forward) but
#                 shows no serial login
#   two-consoles  console=tty0 console=ttyS0,115200n8: Photon's shell prompt
#                 "root [ /installer ]# " on ttyS0, no install
#   unknown-key   "Unknown install_config keys: ..." + traceback + prompt
#   insecure-http ks=http:// without insecure_installation=1 is refused
#   key-object    (2.3) public_key as an object: TypeError traceback + prompt
# It also checks the installed sshd_config: PermitRootLogin rewritten to yes
# by the installer, or prohibit-password where the postinstall sets it.
#
#   ide-cd        the ISO on a PIIX IDE CD (machine pc's default): the
#                 initrd has no IDE driver, so no /dev/cdrom: upstream's
#                 "installation medium is not readable" traceback + prompt
# The CD is an AHCI CD-ROM otherwise (the initrd has no PIIX/IDE driver, as
# Photon's kernels); the installed disk is GPT with a BIOS boot partition.
#
# Usage: images/photon-test/selftest.sh [--installer 2.3|2.7|all] [--keep]
#                                       [--only CASE[,CASE...]]
# Exit 0 when every case passed. Needs qemu-system-x86_64, xorriso,
# python3, e2fsprogs (debugfs). Runs the image recipe first.
set -euo pipefail

case ${BASH_SOURCE[0]} in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
cd "$here" && here=$PWD && cd "$OLDPWD"
versions=all keep=0 only=
while [ $# -gt 0 ]; do
    case "$1" in
        --installer) versions=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --only) only=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "selftest.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ "$versions" = all ] && versions="2.3 2.7"
"$here/build.sh" --installer "${versions// /,}" >/dev/null 2>&1 || "$here/build.sh" >/dev/null
out=$here/../.cache/photon-test

work=$(mktemp -d /tmp/photon-selftest.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# Kickstart server on loopback; the guest reaches it as 10.0.2.2.
mkdir -p "$work/www"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$port" >"$work/http.log" 2>&1 &
pids+=($!)
ssh_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# QMP events of one VM, one JSON object a line, until QEMU exits.
qmp_listen() {  # $1 = socket, $2 = events file
    python3 - "$1" "$2" <<'PY' &
import json, socket, sys, time
for _ in range(200):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.05)
f = s.makefile("rw"); f.readline()
f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush()
with open(sys.argv[2], "a") as out:
    for line in f:
        if '"event"' in line:
            out.write(line); out.flush()
PY
    pids+=($!)
}

# Start a VM; sets VM_PID, VM_LOG, VM_EVENTS. $1 = name, $2 = disk, rest: QEMU args.
start_vm() {
    local name=$1 disk=$2
    shift 2
    VM_LOG=$work/$name.serial VM_EVENTS=$work/$name.events
    : >"$VM_LOG"
    : >"$VM_EVENTS"
    qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -no-reboot -nographic -monitor none \
        -serial "file:$VM_LOG" -qmp "unix:$work/$name.qmp,server=on,wait=off" \
        -drive "file=$disk,if=virtio,format=raw" \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$ssh_port-:22" -device virtio-net-pci,netdev=n0 \
        "$@" >"$work/$name.qemu.log" 2>&1 &
    VM_PID=$!
    pids+=($VM_PID)
    qmp_listen "$work/$name.qmp" "$VM_EVENTS"
    VM_T0=$(date +%s.%N)
}
elapsed() { awk -v s="$VM_T0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
# Wait until the serial log matches $1 (extended regex) or QEMU exits or $2 s pass.
wait_for() {
    local re=$1 t=$2 i=0
    while [ $i -lt $((t * 2)) ]; do
        tr -d '\r' <"$VM_LOG" | sed 's/\x1b\[[0-9;]*m//g' | grep -Eq -- "$re" && return 0
        kill -0 "$VM_PID" 2>/dev/null || return 1
        sleep 0.5
        i=$((i + 1))
    done
    return 1
}
wait_exit() {  # $1 = timeout s; 0 when QEMU exited
    local i=0
    while kill -0 "$VM_PID" 2>/dev/null; do
        [ $i -lt $(($1 * 2)) ] || return 1
        sleep 0.5
        i=$((i + 1))
    done
    sleep 0.3  # the QMP listener writes the last event
}
stop_vm() { kill "$VM_PID" 2>/dev/null || true; wait "$VM_PID" 2>/dev/null || true; }
clean_log() { tr -d '\r' <"$VM_LOG" | sed 's/\x1b\[[0-9;]*m//g'; }

ks_json() {  # $1 = file name, $2 = postinstall kind (systemd|usercfg), [$3 = public_key JSON]
    local post
    case $2 in
        systemd) post='"sed -i \"/^systemd_cmdline=/ s/$/ console=ttyS0,115200n8/\" /boot/systemd.cfg", "sed -i -E \"s/^#?PermitRootLogin (no|yes)/PermitRootLogin prohibit-password/\" /etc/ssh/sshd_config"' ;;
        usercfg) post='"if grep -q \"^user_cmdline=\" /boot/user.cfg 2>/dev/null; then sed -i \"s/^user_cmdline=.*/user_cmdline=console=ttyS0,115200n8/\" /boot/user.cfg; else echo \"user_cmdline=console=ttyS0,115200n8\" >> /boot/user.cfg; fi"' ;;
    esac
    cat >"$work/www/$1" <<EOF
{
  "hostname": "photon-selftest",
  "password": {"crypted": false, "text": "Selftest!1"},
  "disk": "/dev/vda",
  "partitions": [{"mountpoint": "/", "size": 0, "filesystem": "ext4"}],
  "bootmode": "bios",
  "packagelist_file": "$PLF",
  "linux_flavor": "linux",
  ${3:+\"public_key\": $3,}
  "postinstall": ["#!/bin/sh", $post],
  "eject_cdrom": true,
  "ui": false
}
EOF
}
ssh-keygen -q -t ed25519 -N '' -C selftest -f "$work/id_ed25519"
KEY="\"$(cat "$work/id_ed25519.pub")\""
guest() {  # run a command in the booted guest as root (key from the kickstart)
    ssh -q -i "$work/id_ed25519" -p "$ssh_port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=10 -o BatchMode=yes root@127.0.0.1 "$@"
}
APPEND="root=/dev/ram0 loglevel=3 photon.media=cdrom"
SERIAL="console=ttyS0,115200n8"

# A file of the installed root partition (GPT: the BIOS boot partition
# first, the root file system second).
disk_cat() {  # $1 = raw disk, $2 = path
    local start
    start=$(sfdisk -d "$1" 2>/dev/null | awk -F'start= *' '/ : start=/ { n++; if (n == 2) { split($2, a, ","); print a[1] } }')
    debugfs -R "cat $2" "$1?offset=$((start * 512))" 2>/dev/null
}

for v in $versions; do
    iso=$out/photon-test-$v.iso
    d=$work/$v
    mkdir -p "$d"
    xorriso -osirrox on -indev "$iso" -extract /isolinux/vmlinuz "$d/vmlinuz" \
        -extract /isolinux/initrd.img "$d/initrd.img" >/dev/null 2>&1
    boot_iso() {  # $1 = name, $2 = disk, $3 = kernel arguments
        start_vm "$1" "$2" -kernel "$d/vmlinuz" -initrd "$d/initrd.img" -append "$3" \
            -device ahci,id=ahci0 -drive "file=$iso,media=cdrom,if=none,id=cd0,readonly=on" \
            -device ide-cd,drive=cd0,bus=ahci0.0
    }
    # 2.3 (mk-install-iso.sh) ships packages_minimal.json; 2.7's ISO builder packages.json.
    if [ "$v" = 2.3 ]; then PLF=packages_minimal.json; else PLF=packages.json; fi
    ks_json "ks-fixed-$v.json" systemd "$KEY"
    ks_json "ks-unfixed-$v.json" usercfg "$KEY"
    url="ks=http://10.0.2.2:$port"

    if want one-console || want boot-fixed; then
        truncate -s 3G "$d/fixed.raw"
        boot_iso "install-fixed-$v" "$d/fixed.raw" "$APPEND $url/ks-fixed-$v.json insecure_installation=1 $SERIAL"
        if wait_exit 600; then
            t=$(elapsed)
            if grep -q '"guest-reset"' "$VM_EVENTS"; then pass "$v one-console: installed, QEMU exited by guest reset after ${t} s"
            else fail "$v one-console: QEMU exited without a guest reset: $(cat "$VM_EVENTS")"; fi
        else
            fail "$v one-console: no end of install within 600 s"; stop_vm
        fi
        clean_log >"$d/install.log"
        grep -q 'Executing: m_postinstall' "$d/install.log" || fail "$v one-console: postinstall did not run"
        if [ "$v" = 2.3 ]; then
            grep -q 'creating image was successful' "$d/install.log" && fail "2.3 one-console: printed 2.7's end line" || pass "2.3 one-console: no end-of-install line"
        else
            grep -qx 'creating image was successful' "$d/install.log" && pass "2.7 one-console: 'creating image was successful'" || fail "2.7 one-console: no end line"
        fi
        grep -q 'Traceback' "$d/install.log" && fail "$v one-console: traceback during install"
        c=$(disk_cat "$d/fixed.raw" /etc/ssh/sshd_config | grep -i '^PermitRootLogin' || true)
        [ "$c" = "PermitRootLogin prohibit-password" ] && pass "$v sshd_config after postinstall fix: $c" || fail "$v sshd_config: '$c'"
        g=$(disk_cat "$d/fixed.raw" /boot/grub2/grub.cfg)
        grep -q 'load_env -f /boot/systemd.cfg' <<<"$g" || fail "$v grub.cfg does not load systemd.cfg"
        grep -Eq 'serial|console=' <<<"$g" && fail "$v grub.cfg has a serial terminal or console="
        if [ "$v" = 2.3 ]; then grep -q user.cfg <<<"$g" && fail "2.3 grub.cfg reads user.cfg"
        else grep -q 'load_env -f /boot/user.cfg' <<<"$g" || fail "2.7 grub.cfg does not load user.cfg"; fi
    fi

    if want boot-fixed && [ -s "$d/fixed.raw" ]; then
        start_vm "boot-fixed-$v" "$d/fixed.raw"
        if wait_for '^photon-selftest login: ?' 240; then
            pass "$v boot-fixed: serial 'photon-selftest login:' after $(elapsed) s"
            ok=0
            for _ in $(seq 60); do guest true 2>/dev/null && { ok=1; break; }; sleep 2; done
            [ $ok = 1 ] && pass "$v boot-fixed: SSH with the kickstart's key after $(elapsed) s" ||
                fail "$v boot-fixed: no SSH login with the kickstart's key"
            sleep 10  # bootgate's scenario settles 10 s before it samples
            # What the shipped scenario samples and checks, over SSH.
            if [ $ok = 1 ] && r=$(guest 'awk "/^MemTotal/ { t = \$2 } /^MemAvailable/ { a = \$2 } END { printf \"%.1f\", (t - a) / 1024 }" /proc/meminfo
                    df -P -k / | awk "NR == 2 { printf \" %.1f\", \$3 / 1024 }"'); then
                pass "$v boot-fixed: ram_mib disk_mib = $r"
            else fail "$v boot-fixed: no SSH login with the kickstart's key"; fi
            guest 'command -v dockerd >/dev/null && systemctl enable docker >/dev/null 2>&1 && systemctl is-enabled docker' | grep -qx enabled &&
                pass "$v docker present and enableable" || fail "$v docker not enableable"
            i=$(guest 'iptables -S INPUT' || true)
            grep -q '^-P INPUT DROP' <<<"$i" && grep -Eq -- '--dport 22 .*-j ACCEPT' <<<"$i" &&
                pass "$v iptables: INPUT DROP, ssh accepted" || fail "$v iptables: $i"
            r=$(guest 'sshd -T | grep -i "^permitrootlogin"' || true)
            [ "$r" = "permitrootlogin without-password" ] || [ "$r" = "permitrootlogin prohibit-password" ] &&
                pass "$v sshd -T: $r" || fail "$v sshd -T: '$r'"
            r=$(guest 'systemctl --failed --no-legend' || true)
            [ -z "$r" ] && pass "$v no failed units" || fail "$v failed units: $r"
        else fail "$v boot-fixed: no serial login within 240 s"; fi
        stop_vm
    fi

    if want boot-unfixed; then
        truncate -s 3G "$d/unfixed.raw"
        boot_iso "install-unfixed-$v" "$d/unfixed.raw" "$APPEND $url/ks-unfixed-$v.json insecure_installation=1 $SERIAL photon.test.module_order=postinstall-first"
        wait_exit 600 || { fail "$v boot-unfixed: install did not end"; stop_vm; }
        c=$(disk_cat "$d/unfixed.raw" /etc/ssh/sshd_config | grep -i '^PermitRootLogin' || true)
        [ "$c" = "PermitRootLogin yes" ] && pass "$v installer rewrote PermitRootLogin no -> yes (public_key given)" || fail "$v sshd_config: '$c'"
        start_vm "boot-unfixed-$v" "$d/unfixed.raw"
        # sshd re-executes itself per connection: its banner takes seconds under TCG.
        banner= deadline=$(( $(date +%s) + 300 ))
        while [ "$(date +%s)" -lt $deadline ] && kill -0 "$VM_PID" 2>/dev/null; do
            banner=$(timeout 15 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ssh_port && head -c 7 <&3" 2>/dev/null || true)
            [ "$banner" = SSH-2.0 ] && break
            sleep 2
        done
        if [ "$banner" != SSH-2.0 ]; then fail "$v boot-unfixed: the system did not come up (no sshd banner)"
        elif clean_log | grep -q 'login:'; then fail "$v boot-unfixed: serial login although systemd.cfg has no console="
        else pass "$v boot-unfixed: up (sshd answers after $(elapsed) s), no serial login, $(wc -c <"$VM_LOG") serial bytes"; fi
        stop_vm
    fi

    if want two-consoles; then
        truncate -s 3G "$d/scratch.raw"
        boot_iso "two-consoles-$v" "$d/scratch.raw" "$APPEND $url/ks-fixed-$v.json insecure_installation=1 console=tty0 $SERIAL"
        if wait_for 'root \[ /installer \]# ' 120 && ! clean_log | grep -q 'Executing:'; then pass "$v two-consoles: Photon's shell prompt on ttyS0, no install"
        else fail "$v two-consoles: no shell prompt (or the installer ran)"; fi
        stop_vm
    fi

    if want unknown-key; then
        jq '. + {"bogus_key": 1}' "$work/www/ks-fixed-$v.json" >"$work/www/ks-bogus-$v.json"
        boot_iso "unknown-key-$v" "$d/scratch.raw" "$APPEND $url/ks-bogus-$v.json insecure_installation=1 $SERIAL"
        if wait_for 'root \[ /installer \]# ' 120 && clean_log | grep -q '^Unknown install_config keys: bogus_key$' &&
            clean_log | grep -q '^Traceback (most recent call last):'; then pass "$v unknown-key: rejected with traceback and prompt"
        else fail "$v unknown-key: not rejected as upstream does"; fi
        stop_vm
    fi

    if want insecure-http; then
        boot_iso "insecure-http-$v" "$d/scratch.raw" "$APPEND $url/ks-fixed-$v.json $SERIAL"
        if wait_for 'root \[ /installer \]# ' 120 && clean_log | grep -q 'Refusing to download kick start configuration from non-https URLs'; then
            pass "$v insecure-http: refused without insecure_installation=1"
        else fail "$v insecure-http: not refused"; fi
        stop_vm
    fi

    if want key-object && [ "$v" = 2.3 ]; then
        ks_json "ks-keyobj-$v.json" systemd '{"key": "ssh-ed25519 AAAA x", "reason": "test"}'
        boot_iso "key-object-$v" "$d/scratch.raw" "$APPEND $url/ks-keyobj-$v.json insecure_installation=1 $SERIAL"
        if wait_for 'root \[ /installer \]# ' 600 && clean_log | grep -q "^TypeError: unsupported operand type(s) for +: 'dict' and 'str'"; then
            pass "2.3 key-object: TypeError traceback, shell prompt after $(elapsed) s"
        else fail "2.3 key-object: no TypeError"; fi
        stop_vm
    fi
    if want ide-cd; then
        truncate -s 3G "$d/scratch.raw"
        start_vm "ide-cd-$v" "$d/scratch.raw" -kernel "$d/vmlinuz" -initrd "$d/initrd.img" \
            -append "$APPEND $url/ks-fixed-$v.json insecure_installation=1 $SERIAL" \
            -drive "file=$iso,media=cdrom,if=ide,readonly=on"
        if wait_for 'root \[ /installer \]# ' 300 && clean_log | grep -q "installation medium is not readable"; then
            pass "$v ide-cd: no /dev/cdrom on PIIX IDE, upstream's traceback, shell prompt after $(elapsed) s"
        else fail "$v ide-cd: the IDE CD was not refused"; fi
        stop_vm
    fi
done
[ "$failures" = 0 ] && echo "selftest: all passed" || echo "selftest: $failures failure(s); logs in $work (--keep to keep them)"
[ "$failures" = 0 ]
