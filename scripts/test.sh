#!/usr/bin/env bash
# Every check and test, from a fresh Debian machine with only Rust, Node and
# Python: installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== Rust tests (unit, integration against the simulator, CLI)"
cargo test --workspace

echo "== fuzz the alias parser (bounded)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

echo "== the real st2 CLI against the simulator"
cargo build -p stormdesk-cli
tests/st2-cli-fidelity.sh "$PWD/target/debug/stormdesk-cli"
