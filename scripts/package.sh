#!/usr/bin/env bash
# Build the Linux packages (cargo, then `tauri bundle`): the app, stormdesk-cli, the menu
# entry, icons, AppStream metainfo and manual pages. Prints the paths of the
# .deb and .rpm it made (target/release/bundle/{deb,rpm}/).
# Install the result with: sudo apt-get install ./target/release/bundle/deb/Stormdesk_*_amd64.deb
#
# --ci: the CI profile, for scripts/test.sh: no cross-crate LTO and 16
# codegen units instead of fat LTO and one (the release profile's own
# opt-level and strip). Checked the same way, built in a fraction of the
# time: after a one-line change in stormdesk-desk the three binaries were
# 6 min 49 s with thin LTO, most of it the thin-LTO links over the whole
# tree. The UI is the one test.sh has just built. The shipped packages (the
# release workflow) are built without it, and checked there by the same
# tests/package/check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
ci=
[ "${1:-}" = --ci ] && ci=yes
if [ -n "$ci" ]; then
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
fi
scripts/deps.sh

echo "== one version everywhere"
scripts/check-version.sh

echo "== the UI, then the app, stormdesk-cli and stormdesk-tray (release)"
# One cargo run for both binaries: the crates they share compile once, and
# the two final links (fat LTO, single-threaded each) run side by side.
# `tauri bundle` then packages what was built; `tauri build` would build the
# app alone and leave the CLI's link for after.
if [ -z "$ci" ] || [ ! -f ui/dist/index.html ]; then
  npm --prefix ui ci --no-audit --no-fund >/dev/null
  npm --prefix ui run build
fi
cargo build --release -p stormdesk -p stormdesk-cli -p stormdesk-tray

echo "== manual pages"
rm -rf target/packaging/man
target/release/stormdesk-cli manpages target/packaging/man
# The app's and the tray's, written by hand (their options are few; the
# package check holds them to --help).
cp packaging/man/*.1 target/packaging/man/
# Debian policy: manual pages compressed, reproducibly (no name, no time).
gzip -9n target/packaging/man/*.1

echo "== tauri bundle (.deb, .rpm)"
rm -rf target/release/bundle/deb target/release/bundle/rpm
# The frontend is named, not looked for (.taurignore is the fallback).
TAURI_APP_PATH=$PWD TAURI_FRONTEND_PATH=$PWD/ui ui/node_modules/.bin/tauri bundle --ci --bundles deb,rpm
ls -1 target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm
