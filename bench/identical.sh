#!/usr/bin/env bash
# identical.sh REF: proves a change preserves behaviour. It builds the program at git
# REF (default: the commit before the work tree's, HEAD) and from the work tree, runs
# both on the embedded sample and on a generated 20,000-customer set, and compares every
# output file (xlsx, json, manifest, quarantine) byte for byte. Exit 0 when all match.
#
# The manifest and the Audit sheet name the program's libraries and their versions: a
# change of dependency shows there, and only there.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:-HEAD}
work=$(mktemp -d /tmp/recoverykpi-identical.XXXXXX)
trap 'git worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach "$work/base-src" "$ref" >/dev/null 2>&1
(cd "$work/base-src" && go build -o "$work/base" ./cmd/recoverykpi)
go build -o "$work/new" ./cmd/recoverykpi

"$work/new" generate --output "$work/gen20k" --customers 20000 --seed 1 >/dev/null
status=0
for bin in base new; do
  (cd "$work" && ./$bin run --output "$work/$bin-sample" >/dev/null 2>&1)
  (cd "$work" && ./$bin run --input gen20k --output "$work/$bin-20k" >/dev/null 2>&1)
done
for set in sample 20k; do
  files=$( (cd "$work/base-$set" && find . -type f | sort) )
  newfiles=$( (cd "$work/new-$set" && find . -type f | sort) )
  if [ "$files" != "$newfiles" ]; then
    echo "DIFFERENT file lists for $set"; diff <(echo "$files") <(echo "$newfiles") || true; status=1
  fi
  for f in $files; do
    if cmp -s "$work/base-$set/$f" "$work/new-$set/$f"; then
      echo "identical  $set/${f#./}"
    else
      echo "DIFFERENT  $set/${f#./}"; status=1
    fi
  done
done
exit $status
