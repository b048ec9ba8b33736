#!/usr/bin/env bash
# Run Stormdesk: the tray and its pane, straight into its built-in demo server when
# nothing is configured yet. Without a display, the headless session.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
config=${STORMDESK_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/stormdesk/config.toml}
configured=
if [ -f "$config" ] || [ -f "${ST2_CONFIG_FILE:-$HOME/.st2/config}" ] || [ -n "${ST2_BASE_URL:-}${ST2_API_URL:-}" ]; then
  configured=yes
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cargo build --release -p stormdesk-cli
  if [ -n "$configured" ]; then
    echo "No display: starting the headless session (stormdesk-cli shell) instead of the tray app."
    exec target/release/stormdesk-cli shell "$@"
  fi
  echo "No display and nothing configured: the headless demo (stormdesk-cli demo)."
  exec target/release/stormdesk-cli demo "$@"
fi
npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build
# As the menu entry runs it on Linux: the tray without WebKit, whose pane
# is the app beside it (or the app itself on an XEmbed-only desktop).
launcher=target/release/stormdesk
if [ "$(uname -s)" = Linux ]; then
  cargo build --release -p stormdesk -p stormdesk-tray
  launcher=target/release/stormdesk-tray
else
  cargo build --release -p stormdesk
fi
if [ -z "$configured" ] && [ $# -eq 0 ]; then
  exec "$launcher" --demo
fi
exec "$launcher" "$@"
