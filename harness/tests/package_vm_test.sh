#!/usr/bin/env bash
# The Debian package end to end (issue #18): builds bootgate_<version>_amd64.deb
# with CPack from this build tree, installs it on this machine with apt (its
# Depends from the installed packages), then, from a scratch directory
# outside the source tree with a scratch HOME and no BOOTGATE_* variables,
# runs the installed bootgate: --version, doctor, the man page and bash
# completion, and the reference scenario from /usr/share/bootgate (its image
# built by the installed recipe into ~/.cache). The verdict must be pass and
# the reports must land in $XDG_STATE_HOME's default. Finally removes the
# package (dpkg --purge) and checks that nothing of it is left.
#
# Other tests run beside this one: they use $BOOTGATE_BIN (build/bootgate),
# never /usr/bin/bootgate, so the install does not change what they run.
# Needs root; skips (77) when not root or when a bootgate package is already
# installed (someone else's; it is left alone).
set -euo pipefail

build=${BOOTGATE_BINARY_DIR:?run from ctest (BOOTGATE_BINARY_DIR)}
version=${1:?usage: package_vm_test.sh VERSION}
fail() { echo "package_vm_test: FAIL: $*" >&2; exit 1; }
say() { echo "package_vm_test: $*"; }
# A skip says why; on the CI machine (BOOTGATE_REQUIRE_ALL=1, set by
# ci/test.sh) the test must run, so a skip is a failure there.
skip() {
  say "SKIP: $*"
  if [ "${BOOTGATE_REQUIRE_ALL:-0}" = 1 ]; then
    fail "must run on the CI machine (BOOTGATE_REQUIRE_ALL=1), but: $*"
  fi
  exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
if dpkg-query -W -f='${Status}' bootgate 2>/dev/null | grep -q "ok installed"; then
  skip "a bootgate package is already installed; not touching it"
fi

scratch=$(mktemp -d /tmp/bootgate-pkg.XXXXXX)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then
    dpkg --purge bootgate >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# --- build the package -------------------------------------------------------
# The targets the package holds, then CPack on them (`--target package`
# would first build every test and benchmark of the tree).
start=$(date +%s)
cmake --build "$build" --target bootgate bootgate-libvirt man >"$scratch/build.log" 2>&1 ||
  { cat "$scratch/build.log" >&2; fail "building the packaged targets"; }
(cd "$build" && cpack -G DEB -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1) ||
  { cat "$scratch/cpack.log" >&2; fail "cpack"; }
deb=$scratch/pkg/bootgate_${version}_amd64.deb
[ -f "$deb" ] || fail "no $deb (got: $(ls "$scratch/pkg"))"
say "built $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
dpkg-deb -f "$deb" Depends | sed 's/^/package_vm_test: Depends: /'
dpkg-deb -f "$deb" Depends | grep -q "libssh" || fail "Depends lacks shlibdeps' libssh"
dpkg-deb -f "$deb" Depends | grep -q "qemu-system-x86" || fail "Depends lacks qemu-system-x86"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/bootgate ./usr/lib/bootgate/bootgate-libvirt.so \
  ./usr/share/bootgate/scenarios/reference.json ./usr/share/bootgate/scenarios/profiles/qemu-kvm.json \
  ./usr/share/bootgate/scenarios/templates/photon-ks.json ./usr/share/bootgate/images/reference/build.sh \
  ./usr/share/bootgate/dashboards/grafana/bootgate.json ./usr/share/doc/bootgate/README.md \
  ./usr/share/man/man1/bootgate.1.gz ./usr/share/bash-completion/completions/bootgate; do
  grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
done
grep -q "/.cache" <<<"$contents" && fail "the package holds a built image (.cache)"

# --- install -----------------------------------------------------------------
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "$deb" >"$scratch/apt.log" 2>&1 ||
  { cat "$scratch/apt.log" >&2; fail "apt-get install $deb"; }

# Outside the source tree, a fresh HOME, no BOOTGATE_* or XDG_* variables.
home=$scratch/home
work=$scratch/work
mkdir -p "$home" "$work" "$scratch/run"
chmod 700 "$scratch/run"
run() {
  (cd "$work" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" \
    XDG_RUNTIME_DIR="$scratch/run" LANG=C.UTF-8 "$@")
}

out=$(run bootgate --version)
[ "$out" = "bootgate $version" ] || fail "--version said '$out', not 'bootgate $version'"

run bootgate doctor >"$scratch/doctor.out" 2>&1 ||
  { cat "$scratch/doctor.out" >&2; fail "bootgate doctor found the reference scenario cannot run"; }
grep -q "report dir .*$home/.local/state/bootgate/reports" "$scratch/doctor.out" ||
  fail "doctor does not name the XDG report dir: $(cat "$scratch/doctor.out")"

run bootgate profiles | grep -q "/usr/share/bootgate/scenarios/profiles" ||
  fail "the installed bootgate does not find its profiles"

zcat /usr/share/man/man1/bootgate.1.gz | grep -qE -- "timeout(\\\\)?-scale" ||
  fail "the man page lacks the run command's options"
comp=$(bash -c 'source /usr/share/bash-completion/bash_completion
  source /usr/share/bash-completion/completions/bootgate
  COMP_WORDS=(bootgate r); COMP_CWORD=1; COMP_LINE="bootgate r"; COMP_POINT=10
  _bootgate; echo "${COMPREPLY[*]}"
  COMP_WORDS=(bootgate run --time); COMP_CWORD=2; COMP_LINE="bootgate run --time"; COMP_POINT=19
  _bootgate; echo "${COMPREPLY[*]}"')
[ "$comp" = $'run\n--timeout-scale' ] || fail "bash completion answered: $comp"

# --- the reference scenario from /usr/share/bootgate -------------------------
# Timeouts doubled: this host may be TCG and loaded. The budgets stay.
t0=$(date +%s)
set +e
run bootgate run --timeout-scale 2 /usr/share/bootgate/scenarios/reference.json \
  >"$scratch/run.out" 2>"$scratch/run.err"
rc=$?
set -e
say "reference run: exit $rc in $(($(date +%s) - t0)) s"
grep -q "^verdict: PASS$" "$scratch/run.out" && [ "$rc" = 0 ] ||
  { cat "$scratch/run.out" "$scratch/run.err" >&2; fail "the reference scenario did not pass"; }
# Off a terminal: no colour, no redraws, one line per phase change.
grep -q $'\x1b' "$scratch/run.out" "$scratch/run.err" && fail "escape sequences off a terminal"
# A progress line is "  <label> <phase> <elapsed> s[ / <budget>]"; the same
# label and phase twice in a row would be a redraw written as a new line.
dups=$(awk '$1 ~ /#/ {k = $0; sub(/ +[0-9]+\.[0-9] s.*$/, "", k)
  if (k == last[$1]) print; last[$1] = k}' "$scratch/run.err")
[ -z "$dups" ] || fail "progress repeated a phase line off a terminal: $dups"

reports=$home/.local/state/bootgate/reports
report=$(ls "$reports"/*/report.json 2>/dev/null | head -n 1)
[ -n "$report" ] || fail "no report.json under $reports"
[ -f "$reports/history.db" ] || fail "no history.db in $reports"
[ ! -e "$work/reports" ] || fail "reports went to the current directory"
python3 - "$report" "$version" <<'PY' || fail "report.json: see above"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "pass", r["verdict"]
assert r["bootgate_version"] == sys.argv[2], r["bootgate_version"]
assert r["timeout_scale"] == 2, r["timeout_scale"]
PY
[ -s "$home/.cache/bootgate/images/reference/reference.iso" ] ||
  fail "the reference image was not built into ~/.cache/bootgate/images"

# --quiet on a real run: the verdict line on stdout, nothing on stderr.
set +e
run bootgate run --quiet --timeout-scale 2 /usr/share/bootgate/scenarios/reference.json \
  >"$scratch/quiet.out" 2>"$scratch/quiet.err"
rc=$?
set -e
[ "$rc" = 0 ] && [ "$(cat "$scratch/quiet.out")" = "verdict: PASS" ] && [ ! -s "$scratch/quiet.err" ] ||
  { cat "$scratch/quiet.out" "$scratch/quiet.err" >&2; fail "--quiet printed more than its verdict line (exit $rc)"; }

# Every installed scenario's image lives in the user's cache, not beside the
# read-only recipes: the Photon ISO (no recipe: fetch.sh) is looked for in
# ~/.cache/bootgate/images/photon. (The Debian and photon-test recipes
# resolve their output as the reference recipe, built above, does.)
for scn in photon-5-minimal photon-5-minimal-vmware; do
  run bootgate validate "/usr/share/bootgate/scenarios/$scn.json" >"$scratch/validate.out" 2>&1 || true
  grep -q "$home/.cache/bootgate/images/" "$scratch/validate.out" ||
    fail "$scn does not look for its image in ~/.cache/bootgate/images: $(cat "$scratch/validate.out")"
  grep -q "/usr/share/bootgate/images/.cache" "$scratch/validate.out" &&
    fail "$scn looks for its image under /usr/share/bootgate"
done

# --- remove --------------------------------------------------------------------
# --purge: removed, and dpkg forgets it too (plain -r keeps its record in
# the config-files state).
dpkg --purge bootgate >"$scratch/remove.log" 2>&1 ||
  { cat "$scratch/remove.log" >&2; fail "dpkg --purge"; }
installed=0
grep -qi "warning" "$scratch/remove.log" && fail "dpkg --purge warned: $(cat "$scratch/remove.log")"
dpkg-query -W bootgate >/dev/null 2>&1 && fail "dpkg still knows the package after --purge"
dpkg -L bootgate >/dev/null 2>&1 && fail "dpkg still lists the package's files"
for p in /usr/bin/bootgate /usr/lib/bootgate /usr/share/bootgate /usr/share/doc/bootgate \
  /usr/share/man/man1/bootgate.1.gz /usr/share/bash-completion/completions/bootgate; do
  [ ! -e "$p" ] || fail "$p is left after dpkg --purge"
done
say "PASS in $(($(date +%s) - start)) s"
