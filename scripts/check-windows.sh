#!/usr/bin/env bash
# Does the workspace still build for Windows? `cargo clippy` for
# x86_64-pc-windows-gnu (MinGW for the C parts: ring, SQLite, the resource
# file), so a Linux-only call outside `cfg` fails here rather than in the
# release workflow. Not part of scripts/test.sh (about 5 minutes on two cores,
# and rustup's download is not a package registry); run it before a release.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh gcc-mingw-w64-x86-64
rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/windows} \
  cargo clippy --target x86_64-pc-windows-gnu --workspace --bins --lib -- -D warnings
echo "the workspace builds for Windows without warnings"
