#!/usr/bin/env bash
# Installs the pinned npm tools of ci/tools/package-lock.json into
# ci/tools/node_modules (nothing global): gitlab-ci-local, which runs
# ci/gitlab/.gitlab-ci.yml here, and the validators of the pipelines that
# cannot run here (the GitHub workflow schema, the Kubernetes API schemas).
# Skipped when the installed tree is from the same lock file.
set -euo pipefail
tools="$(cd "$(dirname "$0")" && pwd)/tools"
stamp="$tools/node_modules/.bootgate-lock.sha256"
want=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
command -v npm >/dev/null || { echo "install-ci-tools.sh: npm is needed (ci/install-deps.sh installs it)" >&2; exit 2; }
echo "bootgate: installing the CI tools of ci/tools/package-lock.json"
# `npm ci` installs exactly the lock file's versions and fails if
# package.json and the lock disagree.
npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
