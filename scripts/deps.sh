#!/usr/bin/env bash
# System packages Stormdesk needs on Debian: WebKitGTK and friends for the app,
# a keyring, a notification daemon and Xvfb for the tests. Installs only what
# is missing (a StatusNotifierWatcher and an XEmbed tray, as panels run them,
# for the tray's tests). Extra package names as arguments are installed too (the
# package build and its check add theirs).
set -euo pipefail
packages=(
  pkg-config libssl-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  dbus dbus-x11 gnome-keyring libsecret-tools notification-daemon libnotify-bin
  xvfb x11-utils webkit2gtk-driver openssl curl bc python3-venv
  haskell-status-notifier-item-utils trayer
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
