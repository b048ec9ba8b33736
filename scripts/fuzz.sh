#!/usr/bin/env bash
# Fuzz the alias parser, matcher and palette for a bounded time (default 60 s).
# Uses nightly when installed, else stable with RUSTC_BOOTSTRAP (cargo fuzz
# needs -Z flags). A crash leaves its input under fuzz/artifacts/ and fails.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  run=(cargo +nightly fuzz)
else
  run=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"${run[@]}" run alias_parser "$corpus" seeds/alias_parser -- \
  -max_total_time="$seconds" -max_len=512 -timeout=10 -print_final_stats=1
echo "fuzz: alias_parser ran ${seconds}s without a crash"
