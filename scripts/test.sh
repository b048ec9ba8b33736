#!/usr/bin/env bash
# Every check and test, from a fresh Debian machine with only Rust, Node and
# Python: installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== system packages (WebKitGTK, real keyring, notification daemon, Xvfb, WebKitWebDriver)"
scripts/deps.sh

echo "== TypeScript bindings match the Rust types (no drift)"
cargo run -q -p stormdesk-desk --bin export-bindings -- --check

echo "== UI: install, type check, unit tests (Vitest + mockIPC), build"
npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run typecheck
npm --prefix ui test
npm --prefix ui run build

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --features stormdesk-secrets/real-keyring,stormdesk-notify/real-daemon,stormdesk-cli/real-keyring,stormdesk-cli/real-st2,stormdesk-desk/real-st2,stormdesk-relay/vendor-checks -- -D warnings

echo "== Rust tests (unit, integration against the simulator, CLI)"
cargo test --workspace

echo "== Microsoft's own code checks our Teams side (botframework-connector judges our tokens, adaptivecards our cards)"
npm --prefix tests/vendor ci --no-audit --no-fund
cargo test -p stormdesk-relay --features vendor-checks --test vendor

echo "== against a real gnome-keyring and a real notification daemon"
dbus-run-session -- scripts/with-daemons.sh \
  cargo test -p stormdesk-secrets -p stormdesk-notify -p stormdesk-cli \
  --features stormdesk-secrets/real-keyring,stormdesk-notify/real-daemon,stormdesk-cli/real-keyring

echo "== benchmarks compile (run them with cargo bench)"
cargo bench -p stormdesk-alias -p stormdesk-stream --no-run
cargo bench -p stormdesk-relay --features fakes --no-run

echo "== end to end: the built app in WebKit (tauri-driver), demo server, real daemons"
cargo build -p stormdesk -p stormdesk-cli
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
mkdir -p ci-artifacts
STORMDESK_NOTIFY_LOG="$PWD/ci-artifacts/notify.log" dbus-run-session -- scripts/with-daemons.sh \
  node tests/e2e/app.e2e.mjs "$PWD/target/debug/stormdesk" "$PWD/ci-artifacts"

echo "== packages: .deb and .rpm (tauri build), checked, installed with apt-get, started under Xvfb, removed"
scripts/deps.sh desktop-file-utils appstream rpm file binutils
scripts/package.sh
dbus-run-session -- scripts/with-daemons.sh tests/package/check.sh \
  target/release/bundle/deb/Stormdesk_*_amd64.deb target/release/bundle/rpm/Stormdesk-*.rpm
# The macOS/Windows/Linux release workflow cannot run here; its shape is
# checked against GitHub's workflow schema (SchemaStore's, vendored by
# check-jsonschema).
[ -x target/tools/jsonschema/bin/check-jsonschema ] || {
  python3 -m venv target/tools/jsonschema
  target/tools/jsonschema/bin/pip install -q check-jsonschema==0.39.0
}
target/tools/jsonschema/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

echo "== fuzz the alias parser, the SSE decoder and the destination decoders (bounded)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

echo "== the real st2 CLI against the simulator"
cargo build -p stormdesk-cli
tests/st2-cli-fidelity.sh "$PWD/target/debug/stormdesk-cli"

echo "== conformance: real StackStorm (../shared/real-st2): CLI, desk, relay, faults, golden exchanges, differential, st2 CLI"
tests/real-st2/run.sh
