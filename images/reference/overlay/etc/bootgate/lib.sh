# Shared shell functions of the bootgate reference image (busybox ash).
# Sourced by /init, /etc/init.d/rcS and /sbin/bootgate-install.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin

bg_log() {
    echo "bootgate: $*"
    [ "$BG_TRACE" != 1 ] || echo "bootgate: $*" >/dev/kmsg 2>/dev/null
}
# bootgate.trace=1: timestamped progress in the kernel log.
bg_trace() {
    [ "$BG_TRACE" != 1 ] || echo "bootgate-trace: $*" >/dev/kmsg 2>/dev/null
    return 0
}

# Parse /proc/cmdline into BG_* variables.
bg_parse_cmdline() {
    BG_MODE=normal BG_FAULT= BG_DEBUGPORT= BG_SSHKEY= BG_ROOT= BG_ROOTFSTYPE=
    BG_KS= BG_INSECURE=0 BG_NET=static BG_IP=10.0.2.15/24 BG_GW=10.0.2.2
    BG_HOSTNAME= BG_TRACE=0 BG_INSTALL_END=poweroff BG_PROBE=
    read -r BG_CMDLINE </proc/cmdline
    set -f
    for arg in $BG_CMDLINE; do
        case "$arg" in
            bootgate.mode=*)      BG_MODE=${arg#*=} ;;
            bootgate.fault=*)     BG_FAULT=${arg#*=} ;;
            bootgate.debugport=*) BG_DEBUGPORT=${arg#*=} ;;
            bootgate.sshkey=*)    BG_SSHKEY=${arg#*=} ;;
            bootgate.net=*)       BG_NET=${arg#*=} ;;
            bootgate.ip=*)        BG_IP=${arg#*=} ;;
            bootgate.gw=*)        BG_GW=${arg#*=} ;;
            bootgate.hostname=*)  BG_HOSTNAME=${arg#*=} ;;
            bootgate.trace=*)     BG_TRACE=${arg#*=} ;;
            bootgate.install_end=*) BG_INSTALL_END=${arg#*=} ;;
            bootgate.probe=*)     BG_PROBE=${arg#*=} ;;
            root=*)               BG_ROOT=${arg#*=} ;;
            rootfstype=*)         BG_ROOTFSTYPE=${arg#*=} ;;
            ks=*)                 BG_KS=${arg#*=} ;;
            insecure_installation=*) BG_INSECURE=${arg#*=} ;;
            bootgate.delay_s=*)   BG_DELAY_S=${arg#*=} ;;
        esac
    done
    set +f
}

# bootgate.probe=HOST:PORT: a hostile guest's first move. Opens a TCP
# connection to HOST:PORT (e.g. 10.0.2.2:N, the host's loopback under
# unrestricted QEMU user networking), sends one line and prints what came
# back, so a test can tell from the console whether the guest got through.
bg_probe() {
    [ -n "$BG_PROBE" ] || return 0
    reply=$(echo "bootgate-probe from the guest" | timeout 5 nc "${BG_PROBE%:*}" "${BG_PROBE##*:}" 2>/dev/null | head -n 1)
    if [ -n "$reply" ]; then
        bg_log "probe $BG_PROBE: connected, reply: $reply"
    else
        bg_log "probe $BG_PROBE: no connection"
    fi
}

bg_is_mounted() {
    case "$BG_MOUNTS" in *" $1 "*) return 0 ;; esac
    return 1
}

bg_early_mounts() {
    BG_MOUNTS=
    [ -r /proc/mounts ] && BG_MOUNTS=$(cat /proc/mounts)
    [ -e /proc/self ] || mount -t proc proc /proc
    [ -d /sys/class ] || mount -t sysfs sysfs /sys
    bg_is_mounted /dev || mount -t devtmpfs devtmpfs /dev
    mkdir -p /dev/pts /dev/shm /run /tmp
    bg_is_mounted /dev/pts || mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
    bg_is_mounted /run || mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
    [ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd 2>/dev/null
    mkdir -p /run/bootgate /var/log /var/run 2>/dev/null
    return 0
}

# Cold-plug: load the drivers for the devices that are present, found through
# their modaliases (busybox modprobe resolves them via modules.alias). SCSI
# scanning is synchronous (/etc/modprobe.d/bootgate.conf), so once modprobe
# returns, the disks exist.
bg_modprobe_aliases() { # $@ = modalias files (globs)
    a=$(cat "$@" 2>/dev/null | sort -u)
    [ -z "$a" ] || modprobe -q -a $a 2>/dev/null
    return 0
}
bg_load_modules() {
    bg_modprobe_aliases /sys/bus/pci/devices/*/modalias
    bg_modprobe_aliases /sys/bus/virtio/devices/*/modalias
    if grep -qi microsoft /sys/class/dmi/id/sys_vendor 2>/dev/null; then
        modprobe -q hv_vmbus 2>/dev/null
        bg_modprobe_aliases /sys/bus/vmbus/devices/*/modalias
    fi
    bg_modprobe_aliases /sys/bus/scsi/devices/*/modalias
    return 0
}

# Filesystem drivers are loaded when a filesystem of that type is mounted.
bg_fs_module() {
    case "$1" in
        iso9660) modprobe -q isofs; modprobe -q nls_utf8 ;;
        vfat|msdos) modprobe -q vfat; modprobe -q nls_cp437; modprobe -q nls_ascii; modprobe -q nls_utf8 ;;
    esac 2>/dev/null
    return 0
}

# First network interface that is not loopback. NIC drivers probe while
# modprobe runs, so this waits only briefly (~1 s; Hyper-V's netvsc is async).
bg_first_iface() {
    i=0 n=10
    [ -d /sys/bus/vmbus/devices ] && n=50
    while [ $i -lt $n ]; do
        for p in /sys/class/net/*; do
            n=${p##*/}
            case "$n" in lo|sit*|tunl*|ip6tnl*|bonding_masters|'*') continue ;; esac
            echo "$n"
            return 0
        done
        i=$((i + 1))
        sleep 0.1
    done
    return 1
}

bg_net_up() {
    ip link set lo up 2>/dev/null
    ip addr add 127.0.0.1/8 dev lo 2>/dev/null
    if ! BG_IFACE=$(bg_first_iface); then
        bg_log "no network interface found"
        return 1
    fi
    ip link set "$BG_IFACE" up
    if [ "$BG_NET" = dhcp ]; then
        udhcpc -i "$BG_IFACE" -n -q -t 5 -T 1 -s /usr/share/udhcpc/default.script >/dev/null 2>&1 ||
            bg_log "dhcp on $BG_IFACE failed"
    else
        ip addr add "$BG_IP" dev "$BG_IFACE"
        ip route add default via "$BG_GW" dev "$BG_IFACE" 2>/dev/null
        echo "nameserver 10.0.2.3" >/etc/resolv.conf 2>/dev/null
    fi
    bg_log "network $BG_IFACE $(ip -4 -o addr show dev "$BG_IFACE" 2>/dev/null | awk '{print $4}' | head -n 1)"
    return 0
}

# Print "DEVICE TYPE" of the first block device whose filesystem label is $1
# (case-insensitive).
bg_find_label() {
    blkid -c /dev/null -o export 2>/dev/null | awk -v want="$1" '
        function flush() { if (dev != "" && tolower(label) == tolower(want)) { print dev, type; found = 1; exit } dev = label = type = "" }
        /^$/ { flush(); next }
        /^DEVNAME=/ { dev = substr($0, 9) }
        /^LABEL=/ { label = substr($0, 7) }
        /^TYPE=/ { type = substr($0, 6) }
        END { if (!found) flush() }'
}

# Extract SSH public keys listed under ssh_authorized_keys: in cloud-config.
bg_userdata_keys() {
    awk -v q="'" '
        function keyish(s) { return s ~ /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp[0-9]+|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+\/=]+/ }
        function clean(s) {
            sub(/^[ \t]+/, "", s); sub(/^-[ \t]*/, "", s); sub(/[ \t\r]+$/, "", s); sub(/,$/, "", s)
            if (substr(s, 1, 1) == "\"" || substr(s, 1, 1) == q) { s = substr(s, 2); sub(/["\047]$/, "", s) }
            return s
        }
        function indent(s) { match(s, /[^ ]/); return RSTART - 1 }
        {
            sub(/\r$/, "")
            if ($0 ~ /ssh_authorized_keys[ \t]*:/) {
                inblk = 1; ind = indent($0)
                rest = $0; sub(/.*ssh_authorized_keys[ \t]*:[ \t]*/, "", rest)
                if (rest ~ /^\[/) {
                    gsub(/^\[|\][ \t]*$/, "", rest); n = split(rest, a, ",")
                    for (i = 1; i <= n; i++) { k = clean(a[i]); sub(/^[ \t]+/, "", k); if (keyish(k)) print k }
                    inblk = 0
                } else if (rest != "") { k = clean(rest); if (keyish(k)) print k; inblk = 0 }
                next
            }
            if (!inblk) next
            if ($0 ~ /^[ \t]*(#.*)?$/) next
            cur = indent($0)
            if ($0 ~ /^[ \t]*-/ && cur >= ind) { k = clean($0); if (keyish(k)) print k; next }
            if (cur > ind) next
            inblk = 0
        }' "$@"
}

# Flatten JSON into "path=value" lines (objects: a.b, arrays: a.0).
json_flatten() {
    awk 'BEGIN { RS = "\001" }
    { s = s $0 }
    function path(   p, l) {
        p = ""
        for (l = 1; l <= d; l++) p = p (l > 1 ? "." : "") (t[l] == "o" ? k[l] : x[l])
        return p
    }
    function hexval(h,   i, v, c) {
        v = 0; h = tolower(h)
        for (i = 1; i <= 4; i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
        return v
    }
    END {
        n = length(s); i = 1; d = 0
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "{") { d++; t[d] = "o"; ek[d] = 1; k[d] = ""; i++ }
            else if (c == "[") { d++; t[d] = "a"; x[d] = 0; i++ }
            else if (c == "}" || c == "]") { d--; i++ }
            else if (c == ",") { if (t[d] == "a") x[d]++; else ek[d] = 1; i++ }
            else if (c == "\"") {
                v = ""; i++
                while (i <= n) {
                    c = substr(s, i, 1)
                    if (c == "\\") {
                        e = substr(s, i + 1, 1); i += 2
                        if (e == "n") v = v " "; else if (e == "t") v = v " "
                        else if (e == "r" || e == "b" || e == "f") v = v ""
                        else if (e == "u") { h = hexval(substr(s, i, 4)); i += 4; v = v (h >= 32 && h < 127 ? sprintf("%c", h) : "?") }
                        else v = v e
                        continue
                    }
                    if (c == "\"") { i++; break }
                    v = v c; i++
                }
                if (d > 0 && t[d] == "o" && ek[d]) { k[d] = v; ek[d] = 0 }
                else print path() "=" v
            }
            else if (c ~ /[-0-9a-zA-Z.+]/) {
                v = ""
                while (i <= n && substr(s, i, 1) ~ /[-0-9a-zA-Z.+]/) { v = v substr(s, i, 1); i++ }
                print path() "=" v
            }
            else i++
        }
    }' "$1"
}

bg_add_keys() { # stdin: key lines
    mkdir -p /root/.ssh
    chmod 700 /root/.ssh
    touch /root/.ssh/authorized_keys
    while IFS= read -r k; do
        [ -n "$k" ] || continue
        grep -qxF "$k" /root/.ssh/authorized_keys 2>/dev/null || echo "$k" >>/root/.ssh/authorized_keys
    done
    chmod 600 /root/.ssh/authorized_keys
}

bg_set_hostname() {
    h=$(echo "$1" | tr -cd 'A-Za-z0-9.-')
    [ -n "$h" ] || return 0
    echo "$h" >/etc/hostname
    hostname "$h"
}

# NoCloud seed (label cidata, iso9660 or vfat) and bootgate.sshkey=.
bg_credentials() {
    seed=$(bg_find_label cidata)
    if [ -n "$seed" ]; then
        set -- $seed
        mnt=/run/bootgate/seed
        mkdir -p $mnt
        bg_fs_module "$2"
        if mount -r -t "${2:-auto}" "$1" $mnt 2>/dev/null || mount -r "$1" $mnt 2>/dev/null; then
            bg_log "NoCloud seed found on $1 ($2)"
            if [ -f $mnt/user-data ]; then
                keys=$(bg_userdata_keys $mnt/user-data)
                [ -z "$keys" ] || echo "$keys" | bg_add_keys
                h=$(sed -n 's/^hostname:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9.-]*\).*/\1/p' $mnt/user-data | head -n 1)
            fi
            if [ -f $mnt/meta-data ]; then
                mh=$(sed -n 's/.*local-hostname["'\'']\{0,1\}[[:space:]]*:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9.-]*\).*/\1/p' $mnt/meta-data | head -n 1)
                [ -n "$mh" ] && bg_set_hostname "$mh"
            fi
            [ -n "${h:-}" ] && bg_set_hostname "$h"
            umount $mnt 2>/dev/null
        else
            bg_log "cannot mount NoCloud seed $1"
        fi
    fi
    if [ -n "$BG_SSHKEY" ]; then
        k=$(echo "$BG_SSHKEY" | base64 -d 2>/dev/null | head -n 1 | tr -d '\r')
        case "$k" in
            ssh-*|ecdsa-*|sk-*) echo "$k" | bg_add_keys ;;
            *) bg_log "bootgate.sshkey is not a valid base64 public key" ;;
        esac
    fi
    if [ -s /root/.ssh/authorized_keys ]; then
        bg_log "ssh key installed"
    fi
    [ -z "$BG_HOSTNAME" ] || bg_set_hostname "$BG_HOSTNAME"
    return 0
}

# ~2 MiB of binary garbage and terminal escapes, no newlines.
bg_noise() {
    bg_log "fault=noise: emitting garbage"
    i=0
    while [ $i -lt 32 ]; do
        printf '\033]0;pwned\007\033[2J\033[31m\033[?25l\033[H'
        head -c 66000 /dev/urandom | tr -d '\n\r'
        i=$((i + 1))
    done
    printf '\033[0m\033[?25h\r\n'
}

bg_start_sshd() {
    mkdir -p /etc/dropbear /var/log
    if [ "$BG_FAULT" = nossh ]; then
        bootgate-tarpit 22 && bg_log "fault=nossh: port 22 is a silent tarpit"
        return 0
    fi
    # -R: host keys are created on first use. dropbear waits for the kernel's
    # entropy pool before it listens; that wait happens in the background.
    dropbear -R -E -p 22 -P /run/dropbear.pid 2>>/var/log/dropbear.log &
    bg_log "sshd started on port 22"
}

bg_debug_mark() {
    [ -n "$BG_DEBUGPORT" ] && [ "$BG_DEBUGPORT" != 0 ] || return 0
    port=$BG_DEBUGPORT
    [ "$port" = 1 ] && port=0x402
    bootgate-mark "$port" 0x7b || bg_log "debug port write to $port failed"
}

# Interactive root shell on the console, forever (PID 1 must never exit).
bg_rescue_shell() {
    while :; do
        setsid cttyhack /bin/sh -l
        sleep 1
    done
}
