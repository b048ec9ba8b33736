#!/usr/bin/env bash
# Run Stormdesk: the tray app (against its built-in demo server until a
# profile is set up). Without a display, the headless interactive session.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: starting the headless session (stormdesk-cli shell) instead of the tray app."
  cargo build --release -p stormdesk-cli
  exec target/release/stormdesk-cli shell "$@"
fi
npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build
cargo build --release -p stormdesk
exec target/release/stormdesk "$@"
