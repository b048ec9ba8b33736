#!/usr/bin/env bash
# The tray split from its pane, with the real pane, on a desktop with a real
# tray host (gtk-sni-tray-standalone, a StatusNotifierItem host with its
# watcher): stormdesk-tray (no WebKit) registers its icon; a click on the
# icon starts `stormdesk --attach`; hidden past its release time the pane's
# process ends and no WebKit process is left under the tray; a second
# launch summons a new pane, which loads and shows; SIGTERM ends the tray
# cleanly, its socket with it. Then a desktop with only an XEmbed tray
# (trayer): the tray starts the app in its place, whose icon docks there.
# Usage (under Xvfb and a session bus: scripts/with-daemons.sh):
#   tests/split/check.sh TRAY_BINARY APP_BINARY
# APP_BINARY "-": the tray finds the pane beside itself, as installed.
set -euo pipefail
tray=$1 app=$2
if [ "$app" = - ]; then
  app=$(dirname "$tray")/stormdesk
else
  export STORMDESK_PANE_EXE=$app
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_CONFIG_HOME=$work/config STORMDESK_DATA_DIR=$work/data ST2_CONFIG_FILE=$work/none \
  STORMDESK_SOCKET=$work/desk.sock STORMDESK_KEYRING_SERVICE=stormdesk-split \
  STORMDESK_DEMO_TIME_SCALE=0.2 STORMDESK_RELEASE_AFTER_SECS=1 STORMDESK_LOG=info
fail() { echo "split: FAIL $*" >&2; sed 's/\x1b\[[0-9;]*m//g' "$work/log" | tail -20 >&2; exit 1; }
count() { sed 's/\x1b\[[0-9;]*m//g' "$work/log" | grep -c "$1" || true; }
until_count() { # until_count PATTERN N: at most 60 s
  local end=$((SECONDS + 60))
  until [ "$(count "$1")" -ge "$2" ]; do
    [ $SECONDS -lt $end ] || fail "no \"$1\" (#$2) within 60 s"
    sleep 0.1
  done
}
tree() { echo "$1"; pgrep -P "$1" | while read -r c; do tree "$c"; done; }
names() { for p in $(tree "$1"); do cat "/proc/$p/comm" 2>/dev/null; done | sort | tr '\n' ' '; }
visible() { xdotool search --onlyvisible --name '^Stormdesk$' 2>/dev/null | head -1; }

bus_has() {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}
# The desktop's tray: a bar along the bottom of the screen, icons from its
# left (the bar's height is the icons' size).
gtk-sni-tray-standalone --watcher --bottom --size 30 > "$work/host.log" 2>&1 &
host=$!
end=$((SECONDS + 20))
until bus_has org.kde.StatusNotifierWatcher; do
  [ $SECONDS -lt $end ] || { cat "$work/host.log" >&2; fail "the tray host started no watcher"; }
  sleep 0.1
done

# Started as at login: the icon and nothing else.
"$tray" --demo --minimized > "$work/log" 2>&1 &
pid=$!
until_count "tray ready" 1
end=$((SECONDS + 20))
until gdbus call --session --dest org.kde.StatusNotifierWatcher --object-path /StatusNotifierWatcher \
  --method org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher RegisteredStatusNotifierItems \
  2>/dev/null | grep -q "StatusNotifierItem-$pid-"; do
  [ $SECONDS -lt $end ] || fail "the tray host's watcher has no item of the tray's"
  sleep 0.1
done
sleep 1
[ "$(names $pid)" = "stormdesk-tray " ] || fail "started as at login, but under the tray: $(names $pid)"
echo "split: the icon is in the desktop's tray, no pane yet ($(awk '/VmRSS/ {print $2}' /proc/$pid/status) kB)"

# A second start at login (the tray's, the app's) finds it and ends, and
# shows nothing: the pane is for a launch by hand.
"$tray" --minimized || fail "a second start at login of the tray failed (exit $?)"
timeout 30 "$app" --minimized || fail "a start at login of the app beside the tray did not end (exit $?)"
sleep 1
[ "$(names $pid)" = "stormdesk-tray " ] || fail "a second start at login started a pane: $(names $pid)"
[ "$(count "pane started")" = 0 ] || fail "a second start at login summoned the pane"
echo "split: a second start at login, the tray's or the app's, ended and showed nothing"

# A left click on the icon, as a user does: the host activates the item.
end=$((SECONDS + 30))
until [ "$(count "webview loaded")" -ge 1 ]; do
  [ $SECONDS -lt $end ] || fail "a click on the tray icon started no pane"
  [ "$(count "pane started")" -ge 1 ] || xdotool mousemove 15 785 click 1
  sleep 1
done
[ -n "$(visible)" ] || fail "the pane's window is not shown"
under=" $(names $pid)"
[[ $under == *" stormdesk "* && $under == *" WebKitWebProces "* ]] ||
  fail "no pane process with WebKit under the tray:$under"
echo "split: the tray started its pane: $(names $pid)"

# Hidden with Escape, as a user hides it (Xvfb has no window manager: the
# window may need activating before its webview takes keys).
end=$((SECONDS + 20))
while [ -n "$(visible)" ]; do
  [ $SECONDS -lt $end ] || fail "Escape did not hide the pane"
  w=$(visible)
  # Keys through XTEST to the focused window (GTK ignores sent events).
  xdotool windowfocus --sync "$w" key Escape 2>/dev/null ||
    xdotool windowactivate --sync "$w" key Escape 2>/dev/null || true
  sleep 1
done
until_count "pane ended" 1
sleep 1
left=$(names $pid)
[ "$left" = "stormdesk-tray " ] || fail "released, but left under the tray: $left"
echo "split: released, the tray alone: $left($(awk '/VmRSS/ {print $2}' /proc/$pid/status) kB)"

# A second launch summons: a new pane loads and shows.
"$tray" || fail "the second launch failed"
until_count "pane started" 2
until_count "webview loaded" 2
[ -n "$(visible)" ] || fail "the summoned pane is not shown"
echo "split: summoned again, a new pane shown"

# The app started by hand while the tray runs: it summons the tray's desk
# and ends, rather than running a second stream, notifier and relay.
timeout 30 "$app" --demo || fail "the app started beside the tray did not end (exit $?)"
[ -z "$(pgrep -fx "$app --demo")" ] || fail "the app started beside the tray kept running"
echo "split: the app started beside the tray summoned it and ended"

kill -TERM $pid
wait $pid || fail "the tray did not end cleanly (exit $?)"
[ ! -e "$work/desk.sock" ] || fail "the socket was left behind"
end=$((SECONDS + 10))
while pgrep -f "^$app --attach" >/dev/null; do
  [ $SECONDS -lt $end ] || fail "the pane outlived its tray"
  sleep 0.2
done
echo "split: SIGTERM ended the tray and its pane"

# A desktop with only an XEmbed system tray shows no StatusNotifierItem:
# the tray starts the app in its place, and the app's icon docks there.
kill $host; wait $host 2>/dev/null || true
end=$((SECONDS + 10))
while bus_has org.kde.StatusNotifierWatcher; do
  [ $SECONDS -lt $end ] || fail "the tray host's watcher outlived it"
  sleep 0.1
done
trayer --edge bottom > "$work/trayer.log" 2>&1 &
trayer=$!
sleep 1
"$tray" --demo --minimized > "$work/log" 2>&1 &
pid=$!
until_count "tray ready" 1
[ "$(readlink /proc/$pid/exe)" = "$(readlink -f "$app")" ] ||
  fail "with only an XEmbed tray, the process is $(readlink /proc/$pid/exe), not the app"
end=$((SECONDS + 20))
until xwininfo -root -tree | grep -q '("tray-icon tray app stormdesk"'; do
  [ $SECONDS -lt $end ] || { xwininfo -root -tree >&2; cat "$work/trayer.log" >&2; fail "the app's icon is not docked in the XEmbed tray"; }
  sleep 0.2
done
kill -TERM $pid
wait $pid || true
kill $trayer 2>/dev/null || true
echo "split: ok (with only an XEmbed tray, the app started in the tray's place and its icon docked there)"
