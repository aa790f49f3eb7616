#!/usr/bin/env bash
# Issue 25, end to end with a real second account and a real hostile guest.
#
#   hostile_test.sh BOOTGATE state      another user plants /tmp/bootgate-<uid>
#                                       (0777, a leftover naming
#                                       qemu+ext:///system?command=<script>);
#                                       `bootgate clean` and `run` never run it
#   hostile_test.sh BOOTGATE kickstart  during scenarios/reference-install.json
#                                       under TCG, another user tries every
#                                       means open to it (QEMU's and bootgate's
#                                       /proc/<pid>/cmdline, every listening
#                                       TCP port of /proc/net/tcp, the unix
#                                       sockets named on command lines, the
#                                       state dir) and never gets the kickstart
#   hostile_test.sh BOOTGATE guest      a reference guest booted with
#                                       bootgate.probe=10.0.2.2:<port> of a
#                                       listener on the host's 127.0.0.1 gets
#                                       no connection (restricted network);
#                                       with "network": "nat" it does (the
#                                       control: the probe works)
#
# Needs root (it creates and removes a temporary account); exits 77 (skip)
# otherwise. Runs in a private mount namespace with its own /tmp, so the
# victim's /tmp/bootgate-<uid> is fresh and no other test's state is touched.
set -euo pipefail

bootgate=$(readlink -f "$1")
mode=$2
src=${BOOTGATE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (creates a second account)"; exit 77; }
command -v setpriv >/dev/null && command -v useradd >/dev/null || { echo "SKIP: setpriv/useradd missing"; exit 77; }
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }

if [ "${BOOTGATE_HOSTILE_INNER:-}" != 1 ]; then
    # The other account, removed on every path.
    user=bghostile$$
    useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
    cleanup() {
        pkill -KILL -u "$user" 2>/dev/null || true
        userdel "$user" 2>/dev/null || true
    }
    trap cleanup EXIT
    rc=0
    BOOTGATE_HOSTILE_INNER=1 BOOTGATE_HOSTILE_USER=$user \
        unshare --mount --propagation private "$0" "$@" || rc=$?
    exit $rc
fi

# --- inside the private mount namespace ------------------------------------
user=$BOOTGATE_HOSTILE_USER
# The tree, the build and the image cache may live under the real /tmp (a CI
# clone there): it stays reachable at $old_tmp under the fresh one.
old_tmp=/run/bootgate-hostile-tmp.$$
mkdir -p "$old_tmp"
mount --bind /tmp "$old_tmp"
mount -t tmpfs -o mode=1777 tmpfs /tmp
export TMPDIR=/tmp
remap() { case "$1" in /tmp/*) echo "$old_tmp/${1#/tmp/}" ;; *) echo "$1" ;; esac; }
bootgate=$(remap "$bootgate")
src=$(remap "$src")
if [ -n "${BOOTGATE_IMAGE_CACHE:-}" ]; then BOOTGATE_IMAGE_CACHE=$(remap "$BOOTGATE_IMAGE_CACHE"); fi
# The sanitizers' suppression files (ci/sanitize.sh) are in the tree too.
for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
    if [ -n "${!v:-}" ]; then export "$v=${!v//=\/tmp\//=$old_tmp/}"; fi
done
# The victim: this root shell, with no XDG_RUNTIME_DIR, so its state dir is
# /tmp/bootgate-0, a name anyone can take first.
unset XDG_RUNTIME_DIR BOOTGATE_STATE_DIR BOOTGATE_CACHE_DIR
export BOOTGATE_IMAGE_CACHE=${BOOTGATE_IMAGE_CACHE:-$src/images/.cache}
state=/tmp/bootgate-$(id -u)
as_other() { setpriv --reuid="$user" --regid="$user" --clear-groups --inh-caps=-all -- "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d /tmp/victim.XXXXXX)
cd "$work"

case "$mode" in
state)
    # The other user acts first.
    cat >/tmp/evil.sh <<'EOF'
#!/bin/sh
# Whoever runs this leaves proof, then behaves like a broken netcat.
id >>/tmp/pwned
exit 1
EOF
    chmod 755 /tmp/evil.sh
    chown "$user" /tmp/evil.sh
    as_other sh -c "
        mkdir -m 0777 $state && chmod 0777 $state &&
        mkdir $state/bootgate-planted-1-aaaaaa && touch $state/bootgate-planted-1-aaaaaa/lock &&
        printf '%s' '{\"bootgate_pid\": 1, \"vm_pid\": 0, \"domain\": \"bootgate-planted-1-aaaaaa\", \"connect\": \"qemu+ext:///system?command=/tmp/evil.sh\", \"dir\": \"x\"}' \
            >$state/bootgate-planted-1-aaaaaa/owner.json"
    ls -la "$state" "$state"/*
    set +e
    out=$("$bootgate" clean 2>&1); crc=$?
    set -e
    echo "bootgate clean (exit $crc): $out"
    [ ! -e /tmp/pwned ] || fail "bootgate clean ran the other user's script: $(cat /tmp/pwned)"
    grep -q "warning: skipped the state dir $state" <<<"$out" || fail "no warning naming the planted state dir"
    [ -e "$state/bootgate-planted-1-aaaaaa/owner.json" ] || fail "the other user's files were removed"
    # `run` cleans up leftovers first too; it must refuse the state dir with the fix.
    set +e
    out=$("$bootgate" run "$src/scenarios/reference.json" --accel tcg --report-dir "$work/r" --history "" 2>&1); rrc=$?
    set -e
    echo "bootgate run (exit $rrc): $(tail -n 5 <<<"$out")"
    [ ! -e /tmp/pwned ] || fail "bootgate run ran the other user's script: $(cat /tmp/pwned)"
    [ "$rrc" = 2 ] || fail "bootgate run did not refuse the planted state dir (exit $rrc)"
    grep -q "BOOTGATE_STATE_DIR" <<<"$out" || fail "the refusal does not name the fix"
    # A planted cache fallback (no HOME) is refused too, not read.
    as_other mkdir -m 0777 "/tmp/bootgate-$(id -u)-cache"
    set +e
    out=$(env -u HOME -u XDG_CACHE_HOME BOOTGATE_STATE_DIR="$work/s" "$bootgate" clean --probe 2>&1); prc=$?
    set -e
    echo "bootgate clean --probe without HOME (exit $prc): $out"
    [ "$prc" != 0 ] && grep -q "BOOTGATE_CACHE_DIR" <<<"$out" || fail "a planted cache dir was used"
    echo "PASS: nothing the other user planted was run or trusted"
    ;;

kickstart)
    cat >/tmp/attacker.py <<'EOF'
# The other local user, during the victim's install: every means open to an
# ordinary account, again and again until told to stop.
import os, re, socket, sys, time
loot = open(sys.argv[1], "a")
stop = sys.argv[2]
seen = set()
def note(kind, what, data):
    loot.write(f"== {kind} {what}\n{data}\n")
    loot.flush()
def http(connect, path):
    try:
        s = connect()
        s.settimeout(1.5)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        data = b""
        while len(data) < 65536:
            b = s.recv(4096)
            if not b: break
            data += b
        s.close()
        return data.decode("utf-8", "replace")
    except Exception as e:
        return f"(error: {e})"
def tcp(port):
    return lambda: socket.create_connection(("127.0.0.1", port), timeout=1.5)
def unix(path):
    def c():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1.5)
        s.connect(path)
        return s
    return c
while not os.path.exists(stop):
    paths, sockets_, ports = {"/ks.json", "/"}, set(), set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if "qemu" not in cmd and "bootgate" not in cmd: continue
        if cmd not in seen:
            seen.add(cmd)
            note("cmdline", pid, cmd)
        for url in re.findall(r"https?://[^\s,]+", cmd):
            m = re.match(r"https?://[^/]+(/.*)?", url)
            paths.add(m.group(1) or "/")
            hp = re.match(r"https?://[^:/]+:(\d+)", url)
            if hp: ports.add(int(hp.group(1)))
        sockets_.update(re.findall(r"unix:([^\s,]+)", cmd))
        for env in ("environ",):
            try:
                note("read", f"/proc/{pid}/{env}", open(f"/proc/{pid}/{env}", "rb").read()[:4096])
            except OSError:
                pass
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(f).read().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A":
                ports.add(int(parts[1].split(":")[1], 16))
    for port in sorted(ports):
        for p in sorted(paths):
            r = http(tcp(port), p)
            if "error" not in r[:20]: note("tcp", f"{port}{p}", r)
    for sock in sorted(sockets_):
        for p in sorted(paths):
            note("unix", f"{sock}{p}", http(unix(sock), p))
    for root, dirs, files in os.walk("/tmp"):
        for name in files:
            path = os.path.join(root, name)
            if path in (sys.argv[1], sys.argv[0]): continue
            try:
                note("file", path, open(path, "rb").read(65536))
            except OSError:
                pass
    time.sleep(0.3)
note("done", "", f"{len(seen)} command lines seen")
EOF
    chmod 755 /tmp/attacker.py
    loot=/tmp/loot.txt
    touch "$loot"; chown "$user" "$loot"
    as_other "$py" /tmp/attacker.py "$loot" /tmp/stop &
    attacker=$!
    set +e
    "$bootgate" run "$src/scenarios/reference-install.json" --accel tcg --report-dir "$work/r" --history "" \
        >"$work/run.log" 2>&1
    rc=$?
    set -e
    touch /tmp/stop
    wait "$attacker" || true
    tail -n 15 "$work/run.log"
    grep -c "^== cmdline" "$loot" | sed 's/^/attacker saw command lines: /'
    grep -q "bootgate.mode=install" "$loot" || fail "the attacker never saw the installer's command line (the test proves nothing)"
    if grep -n -e "Refinst-Pw-7" -e '"hostname": "refinst"' -e '\$6\$' "$loot" | head -n 5; then
        fail "the other user obtained the kickstart (lines above from its loot)"
    fi
    [ "$rc" = 0 ] || fail "the install run itself failed (exit $rc)"
    echo "PASS: the other user did not obtain the kickstart by any means it tried"
    ;;

guest)
    port_file=/tmp/listener.port
    cat >/tmp/listener.py <<'EOF'
# A service on the host's loopback that a guest must not reach.
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
log = open(sys.argv[2], "a")
while True:
    c, a = s.accept()
    log.write(f"connection from {a}\n"); log.flush()
    c.sendall(b"HOST-LOOPBACK-SECRET\n")
    c.close()
EOF
    "$py" /tmp/listener.py "$port_file" /tmp/listener.log &
    listener=$!
    trap 'kill $listener 2>/dev/null' EXIT
    for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
    port=$(cat "$port_file")
    ref=$BOOTGATE_IMAGE_CACHE/reference
    "$src/images/reference/build.sh" >/dev/null
    probe() { # $1 = name, $2 = network
        # The default network is the one under test: no key at all.
        local net=""
        [ "$2" = default ] || net=", \"network\": \"$2\""
        cat >"$work/$1.json" <<EOF
{"name": "$1", "profile": "qemu-kvm",
 "image": {"kernel": "$ref/vmlinuz", "initrd": "$ref/initrd.img",
           "append": "console=ttyS0,115200 printk.time=1 bootgate.probe=10.0.2.2:$port"},
 "vm": {"accel": "tcg"$net},
 "boot": {"login_pattern": "refimg login: ?\$", "timeout_s": 180},
 "access": {"method": "ssh", "user": "root", "ready_timeout_s": 60}, "sample": false}
EOF
        set +e
        "$bootgate" run "$work/$1.json" --report-dir "$work/$1" --history "" >"$work/$1.log" 2>&1
        set -e
        tail -n 4 "$work/$1.log"
        grep -rh "probe 10.0.2.2:$port" "$work/$1" --include=console.log | tr -d '\r' | head -n 1
    }
    restricted=$(probe hostile-restricted default | tail -n 1)
    echo "restricted: $restricted"
    grep -q "probe 10.0.2.2:$port: no connection" <<<"$restricted" ||
        fail "with the default network the guest reached the host's 127.0.0.1:$port: $restricted"
    [ ! -s /tmp/listener.log ] || fail "the listener saw a connection: $(cat /tmp/listener.log)"
    nat=$(probe hostile-nat nat | tail -n 1)
    echo "nat: $nat"
    grep -q "connected, reply: HOST-LOOPBACK-SECRET" <<<"$nat" ||
        fail "control failed: with network nat the probe did not get through, so the test cannot tell"
    grep -Eq '"network": ?"restricted"' "$work/hostile-restricted/report.json" ||
        fail "the report does not record the network"
    echo "PASS: the guest reaches the host's loopback only with network nat"
    ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
