#!/usr/bin/env bash
# Every check and test, from a fresh Debian machine with only Rust, Node and
# Python: installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# One build from scratch: incremental compilation would only add work and
# gigabytes of target/debug/incremental (a CI run once ran out of disk).
export CARGO_INCREMENTAL=0
# Each stage's header says how long the run has taken so far: the whole run
# must stay under an hour on a 2-core machine.
SECONDS=0
stage() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

stage "system packages (WebKitGTK, real keyring, notification daemon, Xvfb, WebKitWebDriver)"
scripts/deps.sh

stage "TypeScript bindings match the Rust types (no drift)"
cargo run -q -p stormdesk-desk --bin export-bindings -- --check

stage "UI: install, type check, unit tests (Vitest + mockIPC), build"
npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run typecheck
npm --prefix ui test
npm --prefix ui run build

stage "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --features stormdesk-secrets/real-keyring,stormdesk-notify/real-daemon,stormdesk-cli/real-keyring,stormdesk-cli/real-st2,stormdesk-desk/real-st2,stormdesk-relay/vendor-checks,stormdesk-tray/real-bus -- -D warnings

stage "Rust tests (unit, integration against the simulator, CLI)"
cargo test --workspace

stage "Microsoft's own code checks our Teams side (botframework-connector judges our tokens, adaptivecards our cards)"
npm --prefix tests/vendor ci --no-audit --no-fund
cargo test -p stormdesk-relay --features vendor-checks --test vendor

stage "against a real gnome-keyring, a real notification daemon and a real session bus (the tray)"
dbus-run-session -- scripts/with-daemons.sh \
  cargo test -p stormdesk-secrets -p stormdesk-notify -p stormdesk-cli -p stormdesk-tray \
  --features stormdesk-secrets/real-keyring,stormdesk-notify/real-daemon,stormdesk-cli/real-keyring,stormdesk-tray/real-bus

stage "benchmarks build and run once each, in test mode (measure them with cargo bench)"
# The test profile reuses the tests' build: the bench profile would compile
# the whole tree optimised again (6.5 min of CI) only to prove it compiles.
cargo test -p stormdesk-alias -p stormdesk-stream -p stormdesk-history --benches
cargo test -p stormdesk-relay --features fakes --benches

stage "end to end: the built app in WebKit (tauri-driver), demo server, real daemons"
cargo build -p stormdesk -p stormdesk-cli
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
mkdir -p ci-artifacts
STORMDESK_NOTIFY_LOG="$PWD/ci-artifacts/notify.log" dbus-run-session -- scripts/with-daemons.sh \
  node tests/e2e/app.e2e.mjs "$PWD/target/debug/stormdesk" "$PWD/ci-artifacts"

stage "packages: .deb and .rpm (release build, tauri bundle), checked, installed with apt-get, started under Xvfb (the app, and the tray split from its pane), removed"
scripts/deps.sh desktop-file-utils appstream rpm file binutils xdotool haskell-gtk-sni-tray-utils
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

stage "fuzz the alias parser, the SSE decoder and the destination decoders (bounded)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

stage "the real st2 CLI against the simulator"
cargo build -p stormdesk-cli
tests/st2-cli-fidelity.sh "$PWD/target/debug/stormdesk-cli"

stage "conformance: real StackStorm (../shared/real-st2): CLI, desk, relay, faults, golden exchanges, differential, st2 CLI"
tests/real-st2/run.sh
stage "done"
