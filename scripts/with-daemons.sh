#!/usr/bin/env bash
# Run a command with a real Secret Service (gnome-keyring, unlocked) and a
# real notification daemon under Xvfb. Call it inside `dbus-run-session --`.
set -euo pipefail
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "run me inside dbus-run-session" >&2; exit 2; }
# A keyring of its own: never the user's, never one left by an earlier run.
scratch=$(mktemp -d)
export XDG_DATA_HOME=$scratch/data XDG_RUNTIME_DIR=$scratch/run
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
echo -n stormdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Xvfb picks a free display itself (-displayfd) and writes its number
# once it is ready: no clash with another run on the same machine.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$scratch/display" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 100); do [ -s "$scratch/display" ] && break; sleep 0.1; done
[ -s "$scratch/display" ] || { echo "Xvfb did not start" >&2; exit 1; }
display=:$(tr -d '[:space:]' < "$scratch/display")
export DISPLAY=$display
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
/usr/lib/notification-daemon/notification-daemon >/dev/null 2>&1 &
daemon=$!
trap 'kill $daemon $xvfb 2>/dev/null || true; rm -rf "$scratch"' EXIT
if [ -n "${STORMDESK_NOTIFY_LOG:-}" ]; then
  dbus-monitor "interface=org.freedesktop.Notifications,member=Notify" > "$STORMDESK_NOTIFY_LOG" 2>/dev/null &
  monitor=$!
  trap 'kill $monitor $daemon $xvfb 2>/dev/null || true; rm -rf "$scratch"' EXIT
fi
sleep 1
"$@"
