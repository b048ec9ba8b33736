#!/usr/bin/env bash
# Every check and test, from a fresh Debian machine with only Rust, Node and
# Python: installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "== system packages (real keyring, notification daemon, Xvfb)"
packages=(dbus dbus-x11 gnome-keyring libsecret-tools notification-daemon libnotify-bin xvfb x11-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --features stormdesk-secrets/real-keyring,stormdesk-notify/real-daemon,stormdesk-cli/real-keyring -- -D warnings

echo "== Rust tests (unit, integration against the simulator, CLI)"
cargo test --workspace

echo "== against a real gnome-keyring and a real notification daemon"
dbus-run-session -- scripts/with-daemons.sh \
  cargo test -p stormdesk-secrets -p stormdesk-notify -p stormdesk-cli \
  --features stormdesk-secrets/real-keyring,stormdesk-notify/real-daemon,stormdesk-cli/real-keyring

echo "== benchmarks compile (run them with cargo bench)"
cargo bench --workspace --no-run

echo "== fuzz the alias parser (bounded)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

echo "== the real st2 CLI against the simulator"
cargo build -p stormdesk-cli
tests/st2-cli-fidelity.sh "$PWD/target/debug/stormdesk-cli"
