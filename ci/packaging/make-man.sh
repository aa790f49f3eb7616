#!/usr/bin/env bash
# Writes bootgate's man page from its own --help texts with help2man: the
# top-level --help for NAME/SYNOPSIS/DESCRIPTION/OPTIONS, each command's
# --help as its own COMMANDS subsection, and ci/packaging/man-extra.h2m
# (ENVIRONMENT, FILES, EXAMPLES).
#
# Usage: ci/packaging/make-man.sh BOOTGATE_BINARY OUTPUT.1
set -euo pipefail
bin=$1
out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
include=$(mktemp)
trap 'rm -f "$include"' EXIT

# help2man reads NAME from the first line of --help; the commands' own
# --help texts go in verbatim (.nf), one subsection each.
{
  echo "[COMMANDS]"
  for cmd in run ab validate profiles history compare serve merge clean doctor; do
    echo ".SS \"bootgate $cmd\""
    echo ".nf"
    # Roff: a leading dot or quote would be a request; backslashes escape.
    "$bin" "$cmd" --help | sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
    echo ".fi"
  done
  cat "$here/man-extra.h2m"
} >"$include"

help2man --no-info --no-discard-stderr --section=1 \
  --name="image boot benchmark and conformance gate" \
  --include="$include" --output="$out.tmp" "$bin"
mv -f "$out.tmp" "$out"
