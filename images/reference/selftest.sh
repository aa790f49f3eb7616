#!/usr/bin/env bash
# Self-test of the bootgate reference image with raw qemu-system-x86_64 (TCG),
# no bootgate involved.
#
# Usage: images/reference/selftest.sh [--out DIR] [--only NAME[,NAME...]] [--list] [--keep]
#        (--keep leaves the work directory with the serial logs behind)
#
# Tests (default: all):
#   units     host-side checks of the shell parsers (busybox sh) + ISO layout
#   iso       ISO, q35, SeaBIOS: login prompt, NoCloud iso9660 seed (virtio
#             disk), SSH key login + conformance commands, serial console login
#   direct    -kernel/-initrd, bootgate.sshkey= and bootgate.debugport=1
#   panic     bootgate.fault=panic -> "Kernel panic"
#   hang      bootgate.fault=hang  -> silent console, no login prompt
#   noise     bootgate.fault=noise -> ~2 MiB garbage, then the login prompt
#   nossh     bootgate.fault=nossh -> port 22 accepts but never speaks
#   install   installer (ks=http://10.0.2.2:PORT/ks.json) onto a blank 1G
#             qcow2, then the disk boots alone: login prompt, SSH key, password
#   installfail  too-small target disk + ks from a second volume -> FAILED
#   uefi      ISO under OVMF (q35): GRUB on serial + login prompt
#   pcvmw     ISO on -machine pc, vmxnet3 NIC, pvscsi + vfat seed (scsi-hd)
#
# Every QEMU gets -accel tcg and a timeout and is killed on exit; the work
# directory is removed. Last line: "N passed, N failed".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/../.cache/reference"
only=""
keep=0
ALL="units iso direct panic hang noise nossh install installfail uefi pcvmw"

while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --only) only=$2; shift 2 ;;
        --only=*) only=${1#--only=}; shift ;;
        --list) echo "$ALL"; exit 0 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "selftest.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
tests=${only//,/ }
tests=${tests:-$ALL}

for t in qemu-system-x86_64 qemu-img ssh ssh-keygen xorriso python3 timeout; do
    command -v "$t" >/dev/null || { echo "selftest.sh: missing $t" >&2; exit 2; }
done

W=$(mktemp -d /tmp/bootgate-refselftest.XXXXXX)
declare -a PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$keep" = 1 ]; then echo "work dir kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

PASS=0 FAIL=0
declare -a RESULTS=()
pass() { PASS=$((PASS + 1)); RESULTS+=("PASS $CUR: $*"); echo "PASS $CUR: $*"; }
fail() { FAIL=$((FAIL + 1)); RESULTS+=("FAIL $CUR: $*"); echo "FAIL $CUR: $*"; }
note() { echo "  [$CUR] $*"; }

# --- build --------------------------------------------------------------------
t0=$(now)
"$here/build.sh" --out "$out"
BUILD_S=$(since "$t0")
out=$(cd "$out" && pwd)
ISO=$out/reference.iso KERNEL=$out/vmlinuz INITRD=$out/initrd.img
echo "build: ${BUILD_S}s"

ssh-keygen -q -t ed25519 -N '' -C selftest@host -f "$W/key"
ssh-keygen -q -t ed25519 -N '' -C kickstart@host -f "$W/kskey"

# --- QEMU helpers ------------------------------------------------------------
# qemu NAME TIMEOUT ARGS...: serial on stdio <- $W/NAME.in (fifo), -> $W/NAME.log
declare -A QPID=() QIN=()
qemu() {
    local name=$1 tmo=$2 fd
    shift 2
    mkfifo "$W/$name.in"
    timeout --kill-after=5 "$tmo" qemu-system-x86_64 -accel tcg -display none -no-reboot -m 512 \
        -serial stdio "$@" <"$W/$name.in" >"$W/$name.log" 2>&1 &
    QPID[$name]=$!
    PIDS+=("$!")
    exec {fd}>"$W/$name.in"
    QIN[$name]=$fd
    QSTART=$(now)
}
qstop() {
    local name=$1
    kill "${QPID[$name]}" 2>/dev/null || true
    wait "${QPID[$name]}" 2>/dev/null || true
    local fd=${QIN[$name]}
    exec {fd}>&- 2>/dev/null || true
}
qalive() { kill -0 "${QPID[$1]}" 2>/dev/null; }
# wait_for NAME REGEX SECONDS: 0 when the serial log matches (grep -E, binary ok)
wait_for() {
    local name=$1 re=$2 tmo=$3 end
    end=$(( $(date +%s) + tmo ))
    while [ "$(date +%s)" -lt "$end" ]; do
        grep -aqE "$re" "$W/$name.log" 2>/dev/null && return 0
        qalive "$name" || { grep -aqE "$re" "$W/$name.log" 2>/dev/null && return 0; return 1; }
        sleep 0.2
    done
    return 1
}
send() { printf '%s' "$2" >&"${QIN[$1]}"; }
tail_log() { tail -c 1500 "$W/$1.log" | tr -cd '\11\12\15\40-\176' | tail -n 12 | sed 's/^/    | /'; }

# ssh_run PORT KEY CMD: retries for up to 60 s (dropbear may still wait for entropy)
ssh_run() {
    local port=$1 key=$2 cmd=$3 end
    end=$(( $(date +%s) + 60 ))
    while :; do
        if timeout 20 ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
            -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10 -p "$port" root@127.0.0.1 "$cmd" \
            >"$W/ssh.out" 2>"$W/ssh.err"; then
            return 0
        fi
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 1
    done
}

# serial_login NAME PROMPT_HOST PASSWORD: root login on the console + one command
serial_login() {
    local name=$1 host=$2 pw=$3
    send "$name" $'root\n'
    wait_for "$name" 'Password: ?$|Password:' 30 || return 1
    sleep 0.3
    send "$name" "$pw"$'\n'
    wait_for "$name" "$host:~# " 30 || return 1
    send "$name" $'echo SERIAL-$((40+2)) $(id -u)\n'
    wait_for "$name" 'SERIAL-42 0' 30
}

mkseed_iso() { # DIR HOSTNAME KEYFILE OUT
    mkdir -p "$1"
    printf '#cloud-config\nusers:\n  - name: root\n    ssh_authorized_keys:\n      - %s\n' "$(cat "$3")" >"$1/user-data"
    printf 'instance-id: iid-selftest\nlocal-hostname: %s\n' "$2" >"$1/meta-data"
    xorriso -as mkisofs -V cidata -J -r -o "$4" "$1/user-data" "$1/meta-data" >/dev/null 2>&1
}

CONFORMANCE='cat /proc/meminfo | head -n 1; df -P -k /; hostname; id -u; cat /sys/class/dmi/id/sys_vendor; netstat -ltn | grep -c ":22 "'
check_conformance() { # expected hostname, expected fs source regex
    grep -q '^MemTotal:' "$W/ssh.out" && grep -q "^$1\$" "$W/ssh.out" && grep -q '^0$' "$W/ssh.out" &&
        grep -qE "^$2 .* /\$" "$W/ssh.out" && grep -q '^QEMU' "$W/ssh.out"
}

# --- tests ---------------------------------------------------------------------
t_units() {
    local lib=$here/overlay/etc/bootgate/lib.sh bad=0
    cat >"$W/ud" <<'EOF'
#cloud-config
users:
  - name: root
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3Nza1 one@x
      - "ssh-rsa AAAAB3Nza2 two@y"
ssh_keys:
  ed25519_public: ssh-ed25519 AAAAHOSTKEY host
ssh_authorized_keys: [ "ecdsa-sha2-nistp256 AAAAE2 three" ]
EOF
    busybox sh -c ". $lib; bg_userdata_keys $W/ud" >"$W/ud.keys"
    [ "$(wc -l <"$W/ud.keys")" = 3 ] && ! grep -q HOSTKEY "$W/ud.keys" || { bad=1; note "user-data keys: $(cat "$W/ud.keys")"; }
    cat >"$W/ks.json" <<'EOF'
{
    "hostname": "ks-host",
    "password": {
        "crypted": false,
        "text": "pa\"ss"
    },
    "disk": "/dev/sda",
    "public_key": { "key": "ssh-ed25519 AAAAKS ks@x" },
    "postinstall": ["#!/bin/sh", "true"]
}
EOF
    busybox sh -c ". $lib; json_flatten $W/ks.json" >"$W/ks.flat"
    for l in 'hostname=ks-host' 'password.text=pa"ss' 'password.crypted=false' 'disk=/dev/sda' \
        'public_key.key=ssh-ed25519 AAAAKS ks@x'; do
        grep -qxF "$l" "$W/ks.flat" || { bad=1; note "kickstart: missing $l"; }
    done
    xorriso -indev "$ISO" -find / -type f -name '*' 2>/dev/null >"$W/iso.list" || true
    for f in /isolinux/vmlinuz /isolinux/initrd.img /boot/grub/grub.cfg; do
        grep -q "'$f'" "$W/iso.list" || { bad=1; note "ISO lacks $f"; }
    done
    [ $bad = 0 ] && pass "parsers + ISO layout" || fail "see notes above"
}

t_iso() {
    local port seedT
    port=$(free_port)
    mkseed_iso "$W/seed1" refimg "$W/key.pub" "$W/seed1.iso"
    qemu iso 300 -machine q35 -cdrom "$ISO" \
        -drive file="$W/seed1.iso",if=virtio,format=raw,readonly=on \
        -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22 -device virtio-net-pci,netdev=n0
    if ! wait_for iso 'refimg login: ' 240; then fail "no login prompt"; tail_log iso; qstop iso; return; fi
    seedT=$(since "$QSTART")
    ISO_LOGIN_S=$seedT
    grep -aq 'bootgate: ssh key installed' "$W/iso.log" || note "no 'ssh key installed' line"
    if ! ssh_run "$port" "$W/key" "$CONFORMANCE"; then fail "ssh with seed key failed: $(cat "$W/ssh.err")"; qstop iso; return; fi
    if ! check_conformance refimg tmpfs; then fail "conformance output unexpected"; sed 's/^/    | /' "$W/ssh.out"; qstop iso; return; fi
    if ! serial_login iso refimg bootgate; then fail "serial console login failed"; tail_log iso; qstop iso; return; fi
    send iso $'poweroff\n'
    local t=0
    while qalive iso && [ $t -lt 120 ]; do sleep 0.5; t=$((t + 1)); done
    if qalive iso; then fail "'poweroff' did not end the VM"; qstop iso; return; fi
    qstop iso
    pass "ISO (BIOS, q35) login prompt after ${seedT}s, seed key SSH ok, serial login ok, poweroff ok"
}

t_direct() {
    local port
    port=$(free_port)
    qemu direct 300 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.debugport=1 bootgate.sshkey=$(base64 -w0 "$W/key.pub")" \
        -chardev file,id=dbg,path="$W/debugcon.out" -device isa-debugcon,iobase=0x402,chardev=dbg \
        -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22 -device virtio-net-pci,netdev=n0
    if ! wait_for direct 'refimg login: ' 240; then fail "no login prompt"; tail_log direct; qstop direct; return; fi
    DIRECT_LOGIN_S=$(since "$QSTART")
    # SeaBIOS logs to port 0x402 as well: the guest's byte must be the last one
    local mark
    mark=$(tail -c 1 "$W/debugcon.out" 2>/dev/null | od -An -tx1 | tr -d ' \n')
    if [ "$mark" != 7b ]; then fail "debugcon: last byte '$mark', want 7b"; qstop direct; return; fi
    grep -aq 'bootgate: ssh key installed' "$W/direct.log" || { fail "no 'ssh key installed'"; qstop direct; return; }
    if ! ssh_run "$port" "$W/key" "$CONFORMANCE"; then fail "ssh failed: $(cat "$W/ssh.err")"; qstop direct; return; fi
    check_conformance refimg tmpfs || { fail "conformance output unexpected"; qstop direct; return; }
    qstop direct
    pass "direct kernel boot: login prompt after ${DIRECT_LOGIN_S}s, debugcon 0x7b, sshkey= SSH ok"
}

t_panic() {
    qemu panic 200 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.fault=panic" -nic none
    if wait_for panic 'Kernel panic - not syncing' 150; then
        ! grep -aq 'login:' "$W/panic.log" && pass "kernel panic after $(since "$QSTART")s" || fail "login prompt despite panic"
    else
        fail "no kernel panic"; tail_log panic
    fi
    qstop panic
}

t_hang() {
    qemu hang 200 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.fault=hang" -nic none
    if ! wait_for hang 'Run /init as init process' 150; then fail "kernel did not start init"; qstop hang; return; fi
    sleep 20
    if grep -aq 'login:' "$W/hang.log" || grep -aq 'bootgate:' "$W/hang.log"; then
        fail "console not silent"; tail_log hang
    else
        pass "silent for 20 s after 'Run /init', no login prompt"
    fi
    qstop hang
}

t_noise() {
    qemu noise 400 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.fault=noise" -nic none
    if ! wait_for noise 'refimg login: ' 360; then fail "no login prompt after noise"; tail_log noise; qstop noise; return; fi
    local size longest
    size=$(stat -c %s "$W/noise.log")
    longest=$(tr -c '\n' 'x' <"$W/noise.log" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
    qstop noise
    if [ "$size" -ge 2000000 ] && grep -aqF $'\033]0;pwned\007' "$W/noise.log" && [ "$longest" -ge 200000 ]; then
        pass "$((size / 1024)) KiB console output (longest line $((longest / 1024)) KiB), login prompt after $(since "$QSTART")s"
    else
        fail "noise too small or missing escapes (size $size, longest line $longest)"
    fi
}

t_nossh() {
    local port rc
    port=$(free_port)
    qemu nossh 300 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.fault=nossh" \
        -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22 -device virtio-net-pci,netdev=n0
    if ! wait_for nossh 'refimg login: ' 240; then fail "no login prompt"; tail_log nossh; qstop nossh; return; fi
    rc=0
    timeout 8 bash -c "exec 5<>/dev/tcp/127.0.0.1/$port; head -c 1 <&5 >$W/nossh.bytes" || rc=$?
    if [ "$rc" = 124 ] && [ ! -s "$W/nossh.bytes" ]; then
        rc=0
        timeout 10 ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
            -p "$port" root@127.0.0.1 true 2>"$W/nossh.err" || rc=$?
        [ "$rc" = 124 ] && pass "TCP 22 accepts, sends nothing; ssh hangs in the banner exchange" ||
            fail "ssh exited with $rc instead of hanging: $(cat "$W/nossh.err")"
    else
        fail "port 22 closed or talked (rc=$rc, bytes=$(od -An -c "$W/nossh.bytes" 2>/dev/null))"
    fi
    qstop nossh
}

t_install() {
    local hport sport t
    hport=$(free_port)
    mkdir -p "$W/www"
    cat >"$W/www/ks.json" <<EOF
{
    "hostname": "photon-ks",
    "password": {
        "crypted": false,
        "text": "ks-Passw0rd"
    },
    "disk": "/dev/vda",
    "public_key": "$(cat "$W/kskey.pub")",
    "postinstall": [
        "#!/bin/sh",
        "echo ignored"
    ],
    "linux_flavor": "linux-esx"
}
EOF
    (cd "$W/www" && exec python3 -m http.server --bind 127.0.0.1 "$hport" >"$W/http.log" 2>&1) &
    PIDS+=("$!")
    qemu-img create -q -f qcow2 "$W/disk.qcow2" 1G
    # boot the installer exactly like bootgate drives Photon's: the ISO's own kernel + initrd
    xorriso -osirrox on -indev "$ISO" -extract /isolinux "$W/isolinux" >/dev/null 2>&1
    qemu inst 400 -machine q35 -kernel "$W/isolinux/vmlinuz" -initrd "$W/isolinux/initrd.img" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.trace=1 bootgate.mode=install ks=http://10.0.2.2:$hport/ks.json insecure_installation=1" \
        -drive file="$W/disk.qcow2",if=virtio,format=qcow2 \
        -netdev user,id=n0 -device virtio-net-pci,netdev=n0
    if ! wait_for inst 'bootgate-install: (complete|FAILED)' 360 || grep -aq 'bootgate-install: FAILED' "$W/inst.log"; then
        fail "install did not complete"; tail_log inst; qstop inst; return
    fi
    INSTALL_S=$(since "$QSTART")
    # the installer powers off by itself
    t=0
    while qalive inst && [ $t -lt 120 ]; do sleep 0.5; t=$((t + 1)); done
    if qalive inst; then fail "installer did not power off"; qstop inst; return; fi
    qstop inst
    note "install complete after ${INSTALL_S}s ($(grep -ac 'bootgate-install:' "$W/inst.log") steps)"

    sport=$(free_port)
    qemu disk 300 -machine q35 -drive file="$W/disk.qcow2",if=virtio,format=qcow2 \
        -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$sport-:22 -device virtio-net-pci,netdev=n0
    if ! wait_for disk 'photon-ks login: ' 240; then fail "installed disk: no login prompt"; tail_log disk; qstop disk; return; fi
    DISK_LOGIN_S=$(since "$QSTART")
    grep -aq 'GNU GRUB' "$W/disk.log" || note "GRUB banner not seen on serial"
    if ! ssh_run "$sport" "$W/kskey" "$CONFORMANCE; mount | grep ' / '"; then fail "installed disk: ssh failed: $(cat "$W/ssh.err")"; qstop disk; return; fi
    if ! check_conformance photon-ks /dev/vda1; then fail "installed disk: unexpected output"; sed 's/^/    | /' "$W/ssh.out"; qstop disk; return; fi
    if ! serial_login disk photon-ks ks-Passw0rd; then fail "installed disk: serial login with kickstart password failed"; tail_log disk; qstop disk; return; fi
    qstop disk
    pass "installed in ${INSTALL_S}s (incl. boot), disk boots alone to login after ${DISK_LOGIN_S}s, / is /dev/vda1 ext4, ks key + password ok"
}

t_installfail() {
    mkdir -p "$W/ksvol"
    printf '{\n    "disk": "/dev/vda",\n    "hostname": "small"\n}\n' >"$W/ksvol/ks.json"
    xorriso -as mkisofs -V KSVOL -J -r -o "$W/ksvol.iso" "$W/ksvol/ks.json" >/dev/null 2>&1
    qemu-img create -q -f qcow2 "$W/small.qcow2" 32M
    qemu instfail 300 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.mode=install ks=/dev/disk/by-label/KSVOL:/ks.json" \
        -drive file="$W/small.qcow2",if=virtio,format=qcow2 \
        -drive file="$W/ksvol.iso",if=virtio,format=raw,readonly=on -nic none
    if ! wait_for instfail 'bootgate-install: (complete|FAILED)' 240; then fail "no result line"; tail_log instfail; qstop instfail; return; fi
    if ! grep -aq 'bootgate-install: FAILED: target disk /dev/vda is too small' "$W/instfail.log"; then
        fail "unexpected: $(grep -a 'bootgate-install:' "$W/instfail.log" | tail -n 1)"; qstop instfail; return
    fi
    sleep 3
    if ! qalive instfail; then fail "VM powered off after a failure"; return; fi
    send instfail $'echo RESCUE-$((1+1))\n'
    if ! wait_for instfail 'RESCUE-2' 30; then fail "no rescue shell after FAILED"; tail_log instfail; qstop instfail; return; fi
    qstop instfail
    # plain http without insecure_installation=1 is refused, like Photon
    qemu instfail2 300 -machine q35 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0,115200 printk.time=1 bootgate.mode=install ks=http://10.0.2.2:9/ks.json" -nic none
    if ! wait_for instfail2 'bootgate-install: FAILED: insecure' 240; then
        fail "http kickstart without insecure_installation=1 not refused"; tail_log instfail2; qstop instfail2; return
    fi
    qstop instfail2
    pass "too-small disk (ks from 2nd volume) -> FAILED + shell, VM stays up; insecure http ks refused"
}

t_uefi() {
    local code vars
    code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
    [ -f "$code" ] || { code=/usr/share/OVMF/OVMF_CODE.fd vars=/usr/share/OVMF/OVMF_VARS.fd; }
    [ -f "$code" ] || { fail "no OVMF firmware (install ovmf)"; return; }
    cp "$vars" "$W/vars.fd"
    qemu uefi 500 -machine q35 -drive if=pflash,format=raw,readonly=on,file="$code" \
        -drive if=pflash,format=raw,file="$W/vars.fd" -cdrom "$ISO" -nic none
    if ! wait_for uefi 'bootgate reference' 300; then fail "GRUB EFI menu not seen on serial"; tail_log uefi; qstop uefi; return; fi
    local grubT
    grubT=$(since "$QSTART")
    if wait_for uefi 'refimg login: ' 400; then
        pass "OVMF: GRUB menu on serial after ${grubT}s, login prompt after $(since "$QSTART")s"
        UEFI_LOGIN_S=$(since "$QSTART")
    else
        fail "GRUB EFI menu seen but no login prompt"; tail_log uefi
    fi
    qstop uefi
}

t_pcvmw() {
    local port
    port=$(free_port)
    mkdir -p "$W/vseed"
    printf '#cloud-config\nssh_authorized_keys:\n  - %s\n' "$(cat "$W/key.pub")" >"$W/vseed/user-data"
    printf 'local-hostname: vmw-host\n' >"$W/vseed/meta-data"
    rm -f "$W/vseed.img"
    mkfs.vfat -C -n CIDATA "$W/vseed.img" 2048 >/dev/null
    mcopy -i "$W/vseed.img" "$W/vseed/user-data" "$W/vseed/meta-data" ::
    # -boot d: a vfat image carries a 0x55AA boot sector, SeaBIOS would try it first
    qemu pcvmw 300 -machine pc -boot d -cdrom "$ISO" \
        -device pvscsi,id=pvscsi0 -drive file="$W/vseed.img",if=none,id=seed,format=raw,readonly=on \
        -device scsi-hd,drive=seed,bus=pvscsi0.0 \
        -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22 -device vmxnet3,netdev=n0
    if ! wait_for pcvmw 'vmw-host login: ' 240; then fail "no 'vmw-host login:' (vfat seed on pvscsi)"; tail_log pcvmw; qstop pcvmw; return; fi
    PC_LOGIN_S=$(since "$QSTART")
    if ! ssh_run "$port" "$W/key" "$CONFORMANCE; ip -o link | grep -c eth0; lsmod | grep -cE '^(vmxnet3|vmw_pvscsi|ata_piix) '"; then
        fail "ssh over vmxnet3 failed: $(cat "$W/ssh.err")"; qstop pcvmw; return
    fi
    check_conformance vmw-host tmpfs || { fail "conformance output unexpected"; sed 's/^/    | /' "$W/ssh.out"; qstop pcvmw; return; }
    qstop pcvmw
    pass "pc + vmxnet3 + pvscsi(vfat CIDATA seed): login after ${PC_LOGIN_S}s, SSH ok"
}

for CUR in $tests; do
    case " $ALL " in *" $CUR "*) ;; *) echo "selftest.sh: unknown test $CUR" >&2; exit 2 ;; esac
    echo "--- $CUR"
    "t_$CUR"
done

echo
echo "summary (build ${BUILD_S}s):"
for r in "${RESULTS[@]}"; do echo "  $r"; done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
