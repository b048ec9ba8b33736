#!/usr/bin/env bash
# One version for the whole workspace: Cargo's workspace version is the one
# `--version`, Settings' About line and the packages show; the Tauri config
# takes it from Cargo (no version of its own), and the metainfo's newest
# release, the UI package and CHANGELOG.md must name it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || { echo "no [workspace.package] version in Cargo.toml" >&2; exit 1; }
fail=0
node -e 'if ("version" in require("./tauri.conf.json")) process.exit(1)' \
  || { echo "tauri.conf.json has a version of its own; remove it so Cargo's is used" >&2; fail=1; }
ui=$(node -p 'require("./ui/package.json").version')
[ "$ui" = "$version" ] || { echo "ui/package.json is $ui, the workspace is $version" >&2; fail=1; }
meta=$(sed -n 's/.*<release version="\([^"]*\)".*/\1/p' packaging/dev.stormdesk.app.metainfo.xml | awk 'NR == 1')
[ "$meta" = "$version" ] || { echo "the metainfo's newest release is $meta, the workspace is $version" >&2; fail=1; }
grep -q "^## \[$version\] - [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}$" CHANGELOG.md \
  || { echo "CHANGELOG.md has no '## [$version] - YYYY-MM-DD' section" >&2; fail=1; }
for crate in crates/*/Cargo.toml Cargo.toml; do
  grep -q '^version.workspace = true' "$crate" || { echo "$crate does not take the workspace version" >&2; fail=1; }
done
[ $fail -eq 0 ] && echo "version $version everywhere"
exit $fail
