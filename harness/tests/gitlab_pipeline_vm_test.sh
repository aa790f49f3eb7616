#!/usr/bin/env bash
# ci/gitlab/.gitlab-ci.yml executed end to end by a real GitLab CI engine,
# gitlab-ci-local (pinned in ci/tools, shell executor): the build job builds
# bootgate and runs the unit tests, the four boot shards (`parallel: 4`)
# boot the reference scenarios in real VMs, the merge job merges their
# reports and publishes JUnit. Then the boot and merge jobs run again with a
# planted over-budget scenario, and the pipeline must fail at the merge job
# while the shards still pass (exit 1 is judged once, in the merge).
#
# Works on a snapshot of the working tree (tracked files) in a scratch git
# repository under the build dir: gitlab-ci-local copies what git tracks and
# writes its state beside the .gitlab-ci.yml's project.
#
# usage: harness/tests/gitlab_pipeline_vm_test.sh BUILD_DIR
#        (ctest: gitlab_pipeline_vm_test)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
gcl=$root/ci/tools/node_modules/.bin/gitlab-ci-local
[ -x "$gcl" ] || { echo "FAIL: run ci/install-ci-tools.sh first" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
start=$(date +%s)

# --- a snapshot of the tree as a git repository of its own -------------------
proj=$build/gitlab-pipeline-test/project
rm -rf "$build/gitlab-pipeline-test"
mkdir -p "$proj"
(cd "$root" && git ls-files -z --cached) |
  (cd "$root" && rsync -a --from0 --files-from=- --ignore-missing-args ./ "$proj/")
# The planted failure: the reference scenario with a boot budget no boot
# meets. Force-added, since scenarios/.test-* is ignored.
cat >"$proj/scenarios/.test-over-budget.json" <<'JSON'
{"extends": "reference.json", "name": "reference-over-budget",
 "budgets": {"boot_s": 0.5}}
JSON
(
  cd "$proj"
  git init -q -b main
  git add -A && git add -f scenarios/.test-over-budget.json
  git -c user.name=bootgate -c user.email=bootgate@localhost commit -q -m snapshot
  # gitlab-ci-local derives CI_PROJECT_* from the origin remote.
  git remote add origin https://gitlab.example.invalid/bootgate/bootgate.git
)

# --- the pipeline ----------------------------------------------------------
# Release, as ci/setup.sh builds: the build job then reuses ccache's objects.
# gitlab-ci-local takes the project from the current directory (its --cwd
# must be relative).
cd "$proj"
gcl_args=(--file ci/gitlab/.gitlab-ci.yml
  --force-shell-executor --shell-isolation --no-artifacts-to-source
  --concurrency 2 --timestamps
  --variable "BOOTGATE_CMAKE_ARGS=-DCMAKE_BUILD_TYPE=Release -DBOOTGATE_BENCH=OFF")
set +e
"$gcl" "${gcl_args[@]}" \
  --variable "BOOTGATE_SCENARIOS=scenarios/reference.json scenarios/reference-matrix.json" \
  >"$build/gitlab-pipeline-test/pass.log" 2>&1
rc=$?
set -e
pass_s=$(($(date +%s) - start))
tail -n 25 "$build/gitlab-pipeline-test/pass.log"
[ "$rc" -eq 0 ] || fail "the pipeline failed (exit $rc); log: $build/gitlab-pipeline-test/pass.log"
for job in build 'boot: \[1/4\]' 'boot: \[2/4\]' 'boot: \[3/4\]' 'boot: \[4/4\]' merge; do
  grep -Eq "^ PASS +(\[[^]]*\] +)?$job" "$build/gitlab-pipeline-test/pass.log" || fail "job '$job' did not pass"
done
art=$proj/.gitlab-ci-local/artifacts
merged=$(find "$art" -path '*reports/merged/report.json' | head -n 1)
[ -n "$merged" ] || fail "the merge job published no reports/merged/report.json under $art"
python3 - "$merged" "$(dirname "$merged")/junit.xml" <<'PY'
import json, sys, xml.etree.ElementTree as ET
report = json.load(open(sys.argv[1]))
runs = report["runs"]
# reference (1 profile) + reference-matrix (3 profiles), one shard each.
assert len(runs) == 4, f"{len(runs)} runs merged, want 4"
assert report["verdict"] == "pass", report["verdict"]
assert all(r["verdict"] == "pass" for r in runs), [r["verdict"] for r in runs]
junit = ET.parse(sys.argv[2]).getroot()
tests = sum(int(s.get("tests", 0)) for s in junit.iter("testsuite"))
failures = sum(int(s.get("failures", 0)) for s in junit.iter("testsuite"))
assert tests >= 4 and failures == 0, (tests, failures)
print(f"merged: {len(runs)} runs, JUnit {tests} tests, {failures} failures")
PY

# --- the planted failure: boot + merge again, over budget -----------------
t1=$(date +%s)
set +e
"$gcl" "${gcl_args[@]}" --variable "BOOTGATE_SCENARIOS=scenarios/.test-over-budget.json" \
  boot merge >"$build/gitlab-pipeline-test/fail.log" 2>&1
rc=$?
set -e
fail_s=$(($(date +%s) - t1))
tail -n 25 "$build/gitlab-pipeline-test/fail.log"
[ "$rc" -ne 0 ] || fail "the pipeline passed with a scenario over its boot budget"
grep -Eq "^ FAIL +(\[[^]]*\] +)?merge" "$build/gitlab-pipeline-test/fail.log" || fail "the merge job did not fail"
# Every shard passes, the one that ran the over-budget scenario (4/4 by the
# stable shard hash) included: a judged Fail (exit 1) fails only the merge.
for k in 1 2 3 4; do
  grep -Eq "^ PASS +(\[[^]]*\] +)?boot: \[$k/4\]" "$build/gitlab-pipeline-test/fail.log" ||
    fail "shard $k failed: a judged Fail (exit 1) must only fail the merge job"
done
merged=$(find "$art" -path '*reports/merged/report.json' | head -n 1)
python3 - "$merged" "$(dirname "$merged")/junit.xml" <<'PY'
import json, sys, xml.etree.ElementTree as ET
report = json.load(open(sys.argv[1]))
assert report["verdict"] == "fail", report["verdict"]
junit = ET.parse(sys.argv[2]).getroot()
failures = sum(int(s.get("failures", 0)) for s in junit.iter("testsuite"))
assert failures >= 1, "no JUnit failure for the broken budget"
text = "".join(f.get("message", "") + (f.text or "") for f in junit.iter("failure"))
assert "boot_s" in text, text[:500]
print(f"planted failure: merged verdict fail, JUnit {failures} failure(s) naming boot_s")
PY
# No VM outlives the pipeline.
if pgrep -f "qemu-system.*gitlab-pipeline-test" >/dev/null; then fail "a QEMU of the pipeline is still running"; fi
echo "PASS: pipeline ${pass_s} s, planted failure ${fail_s} s"
