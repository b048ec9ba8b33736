#!/usr/bin/env bash
# Fuzz for a bounded time (default 60 s for the alias parser, matcher and
# palette; a third of it each for the SSE decoder and the destination /
# request-id decoders, which face the network, one after the other beside
# the first: the machine has two cores and each fuzzer uses one).
# Uses nightly when installed, else stable with RUSTC_BOOTSTRAP (cargo fuzz
# needs -Z flags). A crash leaves its input under fuzz/artifacts/ and fails.
# No sanitizer: the fuzzed crates have no unsafe code, so AddressSanitizer
# finds nothing a panic would not; without it the build takes 3 min, not 5,
# and each second of fuzzing runs more inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  run=(cargo +nightly fuzz)
else
  run=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
cd fuzz
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
build() { "${run[@]}" build --sanitizer none "$@"; }
fuzz() { # target seconds max_len
  mkdir -p "$corpus/$1"
  if "${run[@]}" run --sanitizer none "$1" "$corpus/$1" "seeds/$1" -- \
    -max_total_time="$2" -max_len="$3" -timeout=10 -print_final_stats=1 >"$corpus/$1.log" 2>&1; then
    tail -n 12 "$corpus/$1.log"
    echo "fuzz: $1 ran ${2}s without a crash"
  else
    cat "$corpus/$1.log"
    echo "fuzz: $1 found a crash (its input is under $PWD/artifacts/$1/)"
    return 1
  fi
}
build
fuzz alias_parser "$seconds" 512 &
first=$!
status=0
fuzz sse_decoder $((seconds / 3 + 1)) 65536 || status=1
fuzz destination $((seconds / 3 + 1)) 4096 || status=1
wait "$first" || status=1
exit "$status"
