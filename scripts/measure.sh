#!/usr/bin/env bash
# Whole-process figures for the tray app, each beside a baseline measured in
# the same run (release builds, a simulator with 1,000 aliases on loopback):
#   cold start to tray ready / desk ready   vs  the headless CLI's first request
#   idle RSS and CPU over a minute          vs  the headless CLI's stream listener
#   the whole desk without a window          vs  the same (`stormdesk-cli desk serve`)
#   in the tray with the webview released   vs  the same with it alive (RSS, CPU)
#   in the tray after a start at login      vs  the same (no webview made yet)
#   summon after a release or a login start vs  summon with the webview alive
#   the same three states with the tray split from the pane (stormdesk-tray,
#   the pane a process that ends when released) vs the app's own figures
#   keystroke → suggestions in the UI       vs  an empty IPC round trip
#   release binary size                     vs  the headless CLI
# Usage: dbus-run-session -- scripts/with-daemons.sh scripts/measure.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh xdotool
cargo build --release -q -p stormdesk -p stormdesk-cli -p stormdesk-tray
APP=$PWD/target/release/stormdesk
CLI=$PWD/target/release/stormdesk-cli
TRAY=$PWD/target/release/stormdesk-tray
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 tests/perf/gen-pack.py "$work/packs" 1000 >/dev/null
port=$((19500 + RANDOM % 400))
STORMDESK_SIM_API_KEYS=measure-key "$CLI" sim --listen "127.0.0.1:$port" --packs "$work/packs" --time-scale 0 >/dev/null 2>&1 &
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/v1/" >/dev/null 2>&1 && break; sleep 0.1; done
export ST2_BASE_URL="http://127.0.0.1:$port" ST2_API_KEY=measure-key ST2_CONFIG_FILE=$work/none
export XDG_CONFIG_HOME=$work/config STORMDESK_DATA_DIR=$work/data STORMDESK_KEYRING_SERVICE=stormdesk-measure
now() { date +%s.%N; }
wait_for() { # wait_for PATTERN FILE: at most 60 s
  local end=$((SECONDS + 60))
  until grep -q "$1" "$2"; do
    [ $SECONDS -lt $end ] || { echo "measure: no \"$1\" within 60 s; log:" >&2; tail -20 "$2" >&2; exit 1; }
    sleep 0.005
  done
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== cold start (5 runs each)"
: > "$work/tray" ; : > "$work/desk" ; : > "$work/cli"
for _ in 1 2 3 4 5; do
  t0=$(now)
  STORMDESK_LOG=info "$APP" > "$work/log" 2>&1 &
  pid=$!
  wait_for "tray ready" "$work/log"; t1=$(now)
  wait_for "desk ready" "$work/log"; t2=$(now)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$t1 - $t0" | bc >> "$work/tray"; echo "$t2 - $t0" | bc >> "$work/desk"
  t0=$(now); "$CLI" aliases >/dev/null; t1=$(now)
  echo "$t1 - $t0" | bc >> "$work/cli"
done
tray=$(median < "$work/tray"); desk=$(median < "$work/desk"); cli=$(median < "$work/cli")
echo "tray ready: ${tray}s  desk ready (1,000 aliases loaded, stream live): ${desk}s  baseline stormdesk-cli aliases: ${cli}s  ratios: $(echo "scale=2; $tray/$cli" | bc)x / $(echo "scale=2; $desk/$cli" | bc)x"

echo "== idle for 60 s: RSS and CPU"
STORMDESK_LOG=info "$APP" > "$work/log" 2>&1 &
app=$!
"$CLI" listen >/dev/null 2>&1 &
listen=$!
# The desk the tray keeps (stream, 1,000 aliases, history, notifier, relay)
# in a process without a window: what a tray without WebKit would hold.
STORMDESK_SOCKET=$work/desk.sock STORMDESK_DATA_DIR=$work/desk-data "$CLI" desk serve > "$work/desk.log" 2>&1 &
headless=$!
wait_for "desk ready" "$work/log"
wait_for "^desk: profile" "$work/desk.log"
sleep 5
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The app's CPU includes its WebKit children (web and network processes).
tree() { echo "$1"; pgrep -P "$1" | while read -r c; do tree "$c"; done; }
sum_ticks() { local s=0; for p in $(tree "$1"); do s=$((s + $(ticks "$p" 2>/dev/null || echo 0))); done; echo $s; }
sum_rss() { local s=0; for p in $(tree "$1"); do s=$((s + $(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $s; }
a0=$(sum_ticks $app); l0=$(sum_ticks $listen); h0=$(sum_ticks $headless)
sleep 60
a1=$(sum_ticks $app); l1=$(sum_ticks $listen); h1=$(sum_ticks $headless)
hz=$(getconf CLK_TCK)
arss=$(sum_rss $app); lrss=$(sum_rss $listen); hrss=$(sum_rss $headless)
acpu=$(echo "scale=3; ($a1 - $a0) * 100 / $hz / 60" | bc); lcpu=$(echo "scale=3; ($l1 - $l0) * 100 / $hz / 60" | bc)
hcpu=$(echo "scale=3; ($h1 - $h0) * 100 / $hz / 60" | bc)
echo "app (with WebKit processes): RSS ${arss} kB, CPU ${acpu}%  baseline stormdesk-cli listen: RSS ${lrss} kB, CPU ${lcpu}%  RSS ratio $(echo "scale=1; $arss/$lrss" | bc)x"
echo "desk without a window (stormdesk-cli desk serve): RSS ${hrss} kB, CPU ${hcpu}%  ratio to the app $(echo "scale=2; $hrss/$arss" | bc)x, to stormdesk-cli listen $(echo "scale=1; $hrss/$lrss" | bc)x"
kill $app $listen $headless; wait $app $listen $headless 2>/dev/null || true

echo "== in the tray, hidden: webview alive vs released vs never made (every Stormdesk process)"
# One instance at a time (a second launch only summons the first).
visible() { xdotool search --onlyvisible --name '^Stormdesk$' 2>/dev/null | head -1; }
count() { grep -c "$1" "$work/log" || true; }
# hide RELEASE_AFTER_SECS: Escape in the empty palette, as a user hides it;
# with a release, until the webview and WebKit's network process are gone.
hide() {
  local w; w=$(visible)
  [ -n "$w" ] || { echo "measure: no visible window; log:" >&2; tail -20 "$work/log" >&2; exit 1; }
  local released; released=$(count "$released_line")
  sleep 1
  xdotool windowfocus --sync "$w" key Escape
  local end=$((SECONDS + 10)) again=$((SECONDS + 2))
  while [ -n "$(visible)" ]; do
    [ $SECONDS -lt $end ] || { echo "measure: Escape did not hide the pane" >&2; exit 1; }
    # Xvfb has no window manager: a window shown again may need activating
    # before its webview takes keys.
    if [ $SECONDS -ge $again ]; then
      xdotool windowactivate --sync "$w" 2>/dev/null || true
      xdotool key --window "$w" Escape; again=$((SECONDS + 2))
    fi
    sleep 0.05
  done
  if [ "$1" != 0 ]; then
    end=$((SECONDS + 60))
    until [ "$(count "$released_line")" -gt "$released" ]; do
      [ $SECONDS -lt $end ] || { echo "measure: the webview was not released" >&2; exit 1; }
      sleep 0.05
    done
  fi
}
# summon LINE: a second launch hands over to the running app, which shows
# the pane; timed until LINE is logged once more ("window shown" with the
# webview alive, "webview loaded" once it had to be built).
summon() {
  local before; before=$(count "$1")
  local s0; s0=$(now)
  "$launcher" >/dev/null 2>&1 || true
  local end=$((SECONDS + 60))
  until [ "$(count "$1")" -gt "$before" ]; do
    [ $SECONDS -lt $end ] || { echo "measure: no \"$1\" after a summon" >&2; exit 1; }
    sleep 0.002
  done
  echo "$(now) - $s0" | bc
}
# What a release logs, and what a launch is: the app, or the split tray.
released_line="network process ended"; launcher=$APP
in_tray() { # in_tray RELEASE_AFTER_SECS [--minimized] → "RSS_kB CPU% summon_s"
  STORMDESK_RELEASE_AFTER_SECS=$1 STORMDESK_LOG=info "$launcher" ${2:-} > "$work/log" 2>&1 &
  local app=$!
  # A failed step ends this instance too, or the next would hand over to it.
  trap "kill $app 2>/dev/null" EXIT
  wait_for "desk ready" "$work/log"
  if [ -z "${2:-}" ]; then
    # Shown at start.
    wait_for "webview loaded" "$work/log"
    hide "$1"
  fi
  sleep 5
  local t0 t1 rss
  t0=$(sum_ticks $app); sleep 30; t1=$(sum_ticks $app)
  rss=$(sum_rss $app)
  local line=window\ shown
  if [ "$1" != 0 ] || [ -n "${2:-}" ]; then line=webview\ loaded; fi
  : > "$work/summons"
  summon "$line" >> "$work/summons"
  # A start at login has one first summon; the other states are summoned
  # three times (hidden, and released, again in between): the median.
  if [ -z "${2:-}" ]; then
    for _ in 1 2; do hide "$1"; sleep 1; summon "$line" >> "$work/summons"; done
  fi
  kill $app; wait $app 2>/dev/null || true
  echo "$rss $(echo "scale=3; ($t1 - $t0) * 100 / $hz / 30" | bc) $(median < "$work/summons")"
}
out=$(in_tray 0) || exit 1; read -r alive_rss alive_cpu alive_summon <<< "$out"
out=$(in_tray 2) || exit 1; read -r rel_rss rel_cpu rel_summon <<< "$out"
out=$(in_tray 0 --minimized) || exit 1; read -r login_rss login_cpu login_summon <<< "$out"
echo "released: RSS ${rel_rss} kB, CPU ${rel_cpu}%, summon ${rel_summon}s (median of 3)  baseline webview alive: RSS ${alive_rss} kB, CPU ${alive_cpu}%, summon ${alive_summon}s (median of 3)  RSS ratio $(echo "scale=2; $rel_rss/$alive_rss" | bc)x"
echo "started at login (--minimized), never summoned: RSS ${login_rss} kB, CPU ${login_cpu}%, first summon ${login_summon}s  RSS ratio to webview alive $(echo "scale=2; $login_rss/$alive_rss" | bc)x"

echo "== the tray split from the pane (stormdesk-tray; the pane is stormdesk --attach, ended when released)"
# The tray starts the pane beside it: this build's, on its own socket.
export STORMDESK_PANE_EXE=$APP STORMDESK_SOCKET=$work/split.sock
# A desktop whose panel shows StatusNotifierItems (its watcher), as the
# split runs by default; without one a start at login waits for the panel.
status-notifier-watcher >/dev/null 2>&1 &
watcher=$!
released_line="pane ended"; launcher=$TRAY
out=$(in_tray 0) || exit 1; read -r s_alive_rss s_alive_cpu s_alive_summon <<< "$out"
out=$(in_tray 2) || exit 1; read -r s_rel_rss s_rel_cpu s_rel_summon <<< "$out"
out=$(in_tray 0 --minimized) || exit 1; read -r s_login_rss s_login_cpu s_login_summon <<< "$out"
kill $watcher 2>/dev/null || true
unset STORMDESK_PANE_EXE STORMDESK_SOCKET
echo "split, released: RSS ${s_rel_rss} kB, CPU ${s_rel_cpu}%, summon ${s_rel_summon}s (median of 3)  baseline the app released: RSS ${rel_rss} kB, summon ${rel_summon}s  RSS ratio $(echo "scale=2; $s_rel_rss/$rel_rss" | bc)x"
echo "split, pane alive and hidden: RSS ${s_alive_rss} kB, CPU ${s_alive_cpu}%, summon ${s_alive_summon}s (median of 3)  baseline the app: RSS ${alive_rss} kB, summon ${alive_summon}s"
echo "split, started at login: RSS ${s_login_rss} kB, CPU ${s_login_cpu}%, first summon ${s_login_summon}s  baseline the app at login: RSS ${login_rss} kB, first summon ${login_summon}s  RSS ratio $(echo "scale=2; $s_login_rss/$login_rss" | bc)x"

echo "== keystroke → suggestions in the UI (1,000 aliases)"
node tests/perf/keystrokes.mjs "$APP"

echo "== release binary size"
as=$(stat -c %s "$APP"); cs=$(stat -c %s "$CLI")
ts=$(stat -c %s "$TRAY")
echo "stormdesk: $((as / 1024)) KiB  stormdesk-tray: $((ts / 1024)) KiB  baseline stormdesk-cli: $((cs / 1024)) KiB  ratios $(echo "scale=2; $as/$cs" | bc)x / $(echo "scale=2; $ts/$cs" | bc)x"
