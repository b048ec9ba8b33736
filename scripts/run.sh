#!/usr/bin/env bash
# Run Stormdesk: an interactive ChatOps session against the configured
# StackStorm profile, or against the built-in demo server when none is set.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p stormdesk-cli
exec target/release/stormdesk-cli shell "$@"
