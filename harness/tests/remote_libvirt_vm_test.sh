#!/usr/bin/env bash
# Remote libvirt for real (issue #18, point 1): bootgate runs the reference
# scenario through `qemu+ssh://` against the real libvirtd of this machine,
# reached over a real SSH transport, from a place where the hypervisor
# host's loopback and files are out of reach:
#   - bootgate runs in its own network namespace, joined to this host by a
#     veth pair; a test sshd (its own host key, its own client key) listens
#     on the host side only. QEMU's SSH forward binds 127.0.0.1 on the
#     hypervisor host, which from bootgate's namespace is another loopback:
#     the guest's SSH can only work through the SSH tunnel (sshd logs its
#     direct-tcpip channel to the forward, which this test checks).
#   - bootgate's state dir (run dir, overlay, seed) is a tmpfs in its own
#     mount namespace, which libvirtd cannot see: the domain only runs if
#     bootgate uploaded its disks into a pool on the host, and its XML must
#     name only that pool's volumes.
#   - the console comes through libvirt's console stream (no TCP serial).
# Then the same scenario through local libvirt (qemu:///system) for the
# figures beside it, and no domain, pool or volume of either run may be left.
# Needs root (namespaces); skips (77) otherwise.
set -euo pipefail

bootgate=${1:?usage: remote_libvirt_vm_test.sh BOOTGATE_BINARY}
src=${BOOTGATE_SOURCE_DIR:?run from ctest (BOOTGATE_SOURCE_DIR)}
fail() { echo "remote_libvirt_vm_test: FAIL: $*" >&2; exit 1; }
say() { echo "remote_libvirt_vm_test: $*"; }
# A skip says why; on the CI machine (BOOTGATE_REQUIRE_ALL=1, set by
# ci/test.sh) the test must run, so a skip is a failure there.
skip() {
  say "SKIP: $*"
  if [ "${BOOTGATE_REQUIRE_ALL:-0}" = 1 ]; then
    fail "must run on the CI machine (BOOTGATE_REQUIRE_ALL=1), but: $*"
  fi
  exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"

n=$(( $$ % 200 + 20 ))
ns=bootgate-remote-$$
veth_host=bgrh$$ veth_client=bgrc$$
veth_host=${veth_host:0:15} veth_client=${veth_client:0:15}
host_ip=10.231.$n.1 client_ip=10.231.$n.2
work=$(mktemp -d /tmp/bootgate-remote.XXXXXX)
chmod 0755 "$work"  # sshd reads its files as root; bootgate's keys stay 0600
sshd_pid=
cleanup() {
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$veth_host" 2>/dev/null || true
  [ -n "${BOOTGATE_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# --- the network: bootgate's namespace and the host, joined by a veth pair ----
ip netns add "$ns"
ip link add "$veth_host" type veth peer name "$veth_client"
ip link set "$veth_client" netns "$ns"
ip addr add "$host_ip/30" dev "$veth_host"
ip link set "$veth_host" up
ip netns exec "$ns" ip addr add "$client_ip/30" dev "$veth_client"
ip netns exec "$ns" ip link set "$veth_client" up
ip netns exec "$ns" ip link set lo up

# --- the hypervisor host's sshd: its own host key, one authorised client key --
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
cat >"$work/sshd_config" <<EOF
Port 2222
ListenAddress $host_ip
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
PidFile none
LogLevel DEBUG1
EOF
/usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" &
sshd_pid=$!
echo "[$host_ip]:2222 $(cut -d' ' -f1,2 "$work/host_key.pub")" >"$work/known_hosts"
# The ssh both libvirt's transport and bootgate's tunnel run (URI command=):
# this key and host key only, no user or system ssh_config.
cat >"$work/ssh" <<EOF
#!/bin/sh
exec ssh -F /dev/null -o UserKnownHostsFile=$work/known_hosts -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes "\$@"
EOF
chmod 0755 "$work/ssh"
for _ in $(seq 50); do
  ip netns exec "$ns" "$work/ssh" -i "$work/client_key" -p 2222 -o BatchMode=yes \
    "root@$host_ip" true 2>/dev/null && break
  sleep 0.2
done
ip netns exec "$ns" "$work/ssh" -i "$work/client_key" -p 2222 -o BatchMode=yes \
  "root@$host_ip" true || fail "the test sshd on $host_ip:2222 does not take the client key: $(tail -5 "$work/sshd.log")"
# From bootgate's namespace the host's loopback is not reachable.
if ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$host_ip/16509" 2>/dev/null; then
  fail "libvirtd's TCP port is reachable from the client namespace; the test would prove nothing"
fi

uri="qemu+ssh://root@$host_ip:2222/system?keyfile=$work/client_key&command=$work/ssh&no_tty=1"

# --- the remote run ------------------------------------------------------------
mkdir -p "$work/state" "$work/reports-remote" "$work/reports-local"
start=$(date +%s.%N)
set +e
ip netns exec "$ns" unshare -m --propagation private sh -c '
  mount -t tmpfs -o mode=0700 bootgate-state "$1" || exit 2
  shift
  exec "$@"' sh "$work/state" \
  env BOOTGATE_STATE_DIR="$work/state" "$bootgate" run "$src/scenarios/reference.json" \
  --backend libvirt --connect "$uri" --report-dir "$work/reports-remote" \
  >"$work/remote.out" 2>&1
rc=$?
set -e
remote_wall=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN{printf "%.1f", a-b}')
cat "$work/remote.out"
[ "$rc" = 0 ] || fail "the remote run exited $rc (want 0, pass)"

report=$(find "$work/reports-remote" -name report.json | head -1)
[ -n "$report" ] || fail "the remote run wrote no report.json"
python3 - "$report" "$host_ip" "$work/sshd.log" <<'EOF' || fail "the remote run's report or sshd's log say it was not remote"
import json, re, sys
report, host, sshd_log = sys.argv[1:]
doc = json.load(open(report))
run = doc["runs"][0] if "runs" in doc else doc
errors = []
def want(cond, what):
    if not cond: errors.append(what)
want(run.get("verdict") == "pass", "verdict %r" % run.get("verdict"))
uri = run.get("connect_uri", "")
want(uri.startswith("qemu+ssh://%s:2222/system" % host), "connect_uri %r" % uri)
want("root@" not in uri, "connect_uri keeps the user: %r" % uri)
hv = run.get("hypervisor_version", "")
want("QEMU" in hv and "via libvirt" in hv and " on " in hv, "hypervisor_version %r" % hv)
xml = "\n".join("\n".join(p.get("argv", [])) for p in run.get("vm_phases", []))
sources = re.findall(r"<source file='([^']*)'", xml)
want(sources, "no <source file=...> in the domain XML")
for s in sources:
    want(s.startswith("/var/lib/libvirt/images/bootgate-"), "a disk outside the run's pool: " + s)
want("type='tcp'" not in xml and "mode='bind'" not in xml, "the console opens a port or socket")
want("<console type='pty'>" in xml, "no pty console in the domain XML")
port = run.get("ssh_port")
log = open(sshd_log).read()
tunnels = re.findall(r"server_request_direct_tcpip: originator \S+ port \d+, target 127\.0\.0\.1 port (\d+)", log)
want(str(port) in tunnels, "sshd saw no direct-tcpip channel to the guest's forward 127.0.0.1:%s (saw %s)" % (port, tunnels))
m = run.get("metrics", {})
print("remote_libvirt_vm_test: remote figures: boot_s=%s ssh_ready_s=%s ram_mib=%s disk_mib=%s; %s" %
      (m.get("boot_s"), m.get("ssh_ready_s"), m.get("ram_mib"), m.get("disk_mib"), hv))
for e in errors: print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

# --- the same scenario through local libvirt, for the figures beside it ------
start=$(date +%s.%N)
"$bootgate" run "$src/scenarios/reference.json" --backend libvirt --connect qemu:///system \
  --report-dir "$work/reports-local" >"$work/local.out" 2>&1 || { cat "$work/local.out"; fail "the local libvirt run failed"; }
local_wall=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN{printf "%.1f", a-b}')
python3 - "$(find "$work/reports-local" -name report.json | head -1)" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1])); run = doc["runs"][0] if "runs" in doc else doc; m = run.get("metrics", {})
print("remote_libvirt_vm_test: local figures:  boot_s=%s ssh_ready_s=%s ram_mib=%s disk_mib=%s; %s" %
      (m.get("boot_s"), m.get("ssh_ready_s"), m.get("ram_mib"), m.get("disk_mib"), run.get("hypervisor_version")))
EOF
say "wall time: remote run ${remote_wall} s, local run ${local_wall} s"

# --- a killed remote run: its domain and pool go with the next clean ---------
# SIGKILL once the domain runs (its pool exists by then); libvirtd keeps
# both; `bootgate clean`, from the same namespace and state dir, removes them.
mkdir -p "$work/state-kill"
ip netns exec "$ns" env BOOTGATE_STATE_DIR="$work/state-kill" "$bootgate" run \
  "$src/scenarios/reference.json" --backend libvirt --connect "$uri" --no-html --history "" \
  --report-dir "$work/reports-kill" >"$work/kill.out" 2>&1 &
victim=$!
# The run records its domain's name in its workspace before libvirt is asked
# to create it; wait until that domain exists.
running=
for _ in $(seq 600); do
  name=$(sed -n 's/.*"domain":"\(bootgate-[^"]*\)".*/\1/p' "$work"/state-kill/*/owner.json 2>/dev/null | head -1 || true)
  if [ -n "$name" ] && virsh -c qemu:///system domstate "$name" >/dev/null 2>&1; then
    running=$name
    break
  fi
  sleep 0.1
done
[ -n "$running" ] || { kill -9 "$victim"; cat "$work/kill.out"; fail "the run to kill never started its domain"; }
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
killed_pool=$running
virsh -c qemu:///system pool-info "$killed_pool" >/dev/null 2>&1 ||
  fail "the killed run left no pool $killed_pool to clean up (was it ever made?)"
ip netns exec "$ns" env BOOTGATE_STATE_DIR="$work/state-kill" "$bootgate" clean >"$work/clean.out" 2>&1 ||
  { cat "$work/clean.out"; fail "bootgate clean failed"; }
grep -q "destroyed libvirt domain $killed_pool" "$work/clean.out" ||
  { cat "$work/clean.out" "$work/kill.out"; ls -la "$work/state-kill" "$work/state-kill"/*; fail "bootgate clean did not name the killed run's domain"; }
! virsh -c qemu:///system domstate "$killed_pool" >/dev/null 2>&1 || fail "domain $killed_pool survived bootgate clean"
! virsh -c qemu:///system pool-info "$killed_pool" >/dev/null 2>&1 || fail "pool $killed_pool survived bootgate clean"
say "killed run: domain and pool $killed_pool removed by bootgate clean"

# --- nothing left on the hypervisor host ----------------------------------------
left_domains=$(virsh -c qemu:///system list --all --name | grep -c '^bootgate-reference' || true)
left_pools=$(virsh -c qemu:///system pool-list --all --name | grep -c '^bootgate-' || true)
left_dirs=$(find /var/lib/libvirt/images -maxdepth 1 -name 'bootgate-reference*' | wc -l)
[ "$left_pools" = 0 ] || fail "storage pools left: $(virsh -c qemu:///system pool-list --all --name | grep '^bootgate-')"
[ "$left_dirs" = 0 ] || fail "pool directories left under /var/lib/libvirt/images"
[ "$left_domains" = 0 ] || fail "domains left: $(virsh -c qemu:///system list --all --name)"
say "PASS (guest SSH through the tunnel; disks uploaded and removed)"
