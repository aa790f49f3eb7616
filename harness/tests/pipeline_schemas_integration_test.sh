#!/usr/bin/env bash
# The pipelines that cannot run here are validated against their engines'
# schemas with the pinned tools of ci/tools (ci/install-ci-tools.sh): the
# GitHub workflow against the workflow schema (@action-validator/cli), the
# Kubernetes manifests against the Kubernetes API schemas
# (kubernetes-models). Each validator is also shown a broken copy, so that
# a validator that accepts anything fails this test.
#
# usage: harness/tests/pipeline_schemas_integration_test.sh
#        (ctest: pipeline_schemas_integration_test)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/ci/tools/node_modules/.bin
[ -x "$bin/action-validator" ] || { echo "FAIL: run ci/install-ci-tools.sh first" >&2; exit 1; }
tmp=$(mktemp -d /tmp/bootgate-schemas.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The shipped files are valid.
"$bin/action-validator" "$root/ci/github/bootgate.yml" ||
  fail "ci/github/bootgate.yml does not validate against the workflow schema"
node "$root/ci/tools/validate-k8s.mjs" "$root/ci/kubernetes/job.yaml" ||
  fail "ci/kubernetes/job.yaml does not validate against the Kubernetes API schemas"
[ "$(node "$root/ci/tools/validate-k8s.mjs" "$root/ci/kubernetes/job.yaml" | grep -c ': valid ')" -ge 6 ] ||
  fail "fewer than the 6 documents of job.yaml were validated"

# 2. Broken copies are refused, each with what is wrong.
# A job without `runs-on`.
sed '0,/runs-on:/{/runs-on:/d}' "$root/ci/github/bootgate.yml" >"$tmp/no-runs-on.yml"
if "$bin/action-validator" "$tmp/no-runs-on.yml" >"$tmp/gh.out" 2>&1; then
  fail "a workflow job without runs-on was accepted"
fi
# A misspelt top-level key.
sed 's/^jobs:/jobz:/' "$root/ci/github/bootgate.yml" >"$tmp/jobz.yml"
if "$bin/action-validator" "$tmp/jobz.yml" >>"$tmp/gh.out" 2>&1; then
  fail "a workflow with 'jobz:' was accepted"
fi
# A Job's completions as a string; a pod spec without containers.
sed '0,/completions: [0-9]*/s//completions: "four"/' "$root/ci/kubernetes/job.yaml" >"$tmp/completions.yaml"
node "$root/ci/tools/validate-k8s.mjs" "$tmp/completions.yaml" >"$tmp/k8s.out" 2>&1 &&
  fail "a Job with completions: \"four\" was accepted"
grep -q 'spec/completions must be integer' "$tmp/k8s.out" || fail "no reason given: $(cat "$tmp/k8s.out")"
sed '0,/containers:/s//containerz:/' "$root/ci/kubernetes/job.yaml" >"$tmp/containers.yaml"
node "$root/ci/tools/validate-k8s.mjs" "$tmp/containers.yaml" >"$tmp/k8s.out" 2>&1 &&
  fail "a pod spec without containers was accepted"
grep -q "required property containers" "$tmp/k8s.out" || fail "no reason given: $(cat "$tmp/k8s.out")"
# An unknown kind.
printf 'apiVersion: batch/v1\nkind: Jobb\nmetadata: {name: x}\n' >"$tmp/kind.yaml"
node "$root/ci/tools/validate-k8s.mjs" "$tmp/kind.yaml" >"$tmp/k8s.out" 2>&1 &&
  fail "an unknown kind was accepted"
echo "PASS: workflow and manifests valid; 5 broken copies refused"
