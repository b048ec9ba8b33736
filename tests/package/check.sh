#!/usr/bin/env bash
# The .deb (and .rpm) as a user gets them: metadata, files, icons, menu entry,
# metainfo, manual pages, every shared library the binaries load against the
# package's Depends; then installed with apt-get, run (versions; the app in
# demo mode under Xvfb: its window class, its start-at-login entry, its cold
# start against the same binary from the build tree), and removed without a
# trace.
# Needs xdotool (scripts/test.sh installs it).
# Usage: dbus-run-session -- scripts/with-daemons.sh tests/package/check.sh DEB [RPM]
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(realpath "$1")
rpm=${2:+$(realpath "$2")}
version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
work=$(mktemp -d)
app_pid=
installed=
purge() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq stormdesk >/dev/null; }
cleanup() {
  [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true
  # A failed check never leaves the package on the machine.
  [ -z "$installed" ] || purge || true
  rm -rf "$work"
}
trap cleanup EXIT
# A command that fails outside a check still says where.
trap 'echo "package check: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
fail() { echo "package check: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

echo "-- $(basename "$deb"): $(($(stat -c %s "$deb") / 1024)) KiB"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = stormdesk ] || fail "package name is $(field Package)"
[ "$(field Version)" = "$version" ] || fail "package version $(field Version), workspace $version"
depends=$(field Depends)
for d in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  grep -Eq "(^|, )$d( |,|$)" <<<"$depends" || fail "Depends lacks $d: $depends"
done
ok "stormdesk $version, Depends: $depends"

root=$work/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/stormdesk usr/bin/stormdesk-cli usr/bin/stormdesk-tray \
  usr/share/metainfo/dev.stormdesk.app.metainfo.xml usr/share/man/man1/stormdesk-cli.1.gz; do
  [ -s "$root/$f" ] || fail "/$f is missing"
done
[ -x "$root/usr/bin/stormdesk" ] && [ -x "$root/usr/bin/stormdesk-cli" ] && [ -x "$root/usr/bin/stormdesk-tray" ] \
  || fail "binaries not executable"
# The icon theme spec's sizes, each really that size.
for n in 16 22 24 32 48 64 128 256 512; do
  icon=$root/usr/share/icons/hicolor/${n}x${n}/apps/stormdesk.png
  [ -f "$icon" ] || fail "no ${n}x${n} icon"
  [[ "$(file -b "$icon")" == "PNG image data, $n x $n,"* ]] || fail "${n}x${n} icon is $(file -b "$icon")"
done
ok "icons 16…512 px"
desktops=("$root"/usr/share/applications/*.desktop)
[ ${#desktops[@]} -eq 1 ] || fail "expected one menu entry, found ${#desktops[@]}"
desktop=${desktops[0]}
desktop-file-validate "$desktop" || fail "desktop-file-validate refused $(basename "$desktop")"
# The menu starts the tray split from its pane (which starts the app in its
# place on a desktop with only an XEmbed tray).
grep -qx "Exec=stormdesk-tray" "$desktop" || fail "menu entry's Exec is $(grep ^Exec= "$desktop")"
grep -qx "Icon=stormdesk" "$desktop" || fail "menu entry's Icon is $(grep ^Icon= "$desktop")"
wm_class=$(sed -n 's/^StartupWMClass=//p' "$desktop")
[ -n "$wm_class" ] || fail "menu entry has no StartupWMClass"
ok "menu entry $(basename "$desktop") valid"
metainfo=$root/usr/share/metainfo/dev.stormdesk.app.metainfo.xml
appstreamcli validate --no-net --pedantic "$metainfo" || fail "appstreamcli refused the metainfo"
grep -q "<launchable type=\"desktop-id\">$(basename "$desktop")</launchable>" "$metainfo" \
  || fail "the metainfo's launchable is not $(basename "$desktop")"
ok "metainfo valid, launches $(basename "$desktop")"
# (Output is read whole before grep -q looks at it: with pipefail, a writer
# cut off by grep's early exit would fail the pipeline.)
page=$(zcat "$root/usr/share/man/man1/stormdesk-cli.1.gz")
grep -q '^\.TH stormdesk-cli' <<<"$page" || fail "stormdesk-cli.1 is not a manual page"
page=$(zcat "$root/usr/share/man/man1/stormdesk-cli-exec.1.gz")
grep -q 'match_and_execute' <<<"$page" || fail "no manual page for stormdesk-cli exec"
# The app's and the tray's pages describe every option their --help lists.
for bin in stormdesk stormdesk-tray; do
  page=$(zcat "$root/usr/share/man/man1/$bin.1.gz") || fail "no manual page for $bin"
  grep -q "^\.TH ${bin^^} 1" <<<"$page" || fail "$bin.1 is not its manual page"
  for opt in $("$root/usr/bin/$bin" --help | grep -oE -- '^  --[a-z-]+'); do
    grep -qxF -- ".B \\-\\-${opt#--}" <<<"$page" || fail "$bin.1 does not describe $opt"
  done
done
ok "manual pages: $(ls "$root/usr/share/man/man1" | wc -l)"

# Every library the binaries load must come from a package the Depends pull
# in; the bundler does not run dpkg-shlibdeps, so this is where a missing
# dependency would show.
mapfile -t declared < <(sed 's/([^)]*)//g; s/,/\n/g' <<<"$depends" | tr -d ' ' | grep -v '^$')
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${declared[@]}" 2>/dev/null | grep -v '^ ' | tr -d '<>' | sed 's/:.*//' | sort -u > "$work/closure"
for bin in "$root"/usr/bin/*; do
  for so in $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64/ && !p {p = $NF} END {print p}')
    [ -n "$path" ] || fail "$(basename "$bin") needs $so, which this machine does not have"
    pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null) \
      || fail "no package owns $path"
    pkg=${pkg%%:*}
    grep -qx "$pkg" "$work/closure" || fail "$(basename "$bin") needs $so from $pkg, which the Depends do not pull in"
  done
done
ok "every NEEDED library comes with the Depends"
tray_needs=$(readelf -d "$root/usr/bin/stormdesk-tray" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
grep -Eq "webkit|javascriptcore|gtk|gdk" <<<"$tray_needs" && fail "stormdesk-tray links a web engine or toolkit: $tray_needs"
ok "stormdesk-tray links no web engine or toolkit: $tray_needs"

if [ -n "$rpm" ]; then
  echo "-- $(basename "$rpm"): $(($(stat -c %s "$rpm") / 1024)) KiB"
  [ "$(rpm -qp --queryformat '%{NAME} %{VERSION}' "$rpm" 2>/dev/null)" = "stormdesk $version" ] || fail "rpm is not stormdesk $version"
  files=$(rpm -qlp "$rpm" 2>/dev/null); requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
  grep -qx /usr/bin/stormdesk-cli <<<"$files" || fail "rpm lacks /usr/bin/stormdesk-cli"
  grep -qx /usr/bin/stormdesk-tray <<<"$files" || fail "rpm lacks /usr/bin/stormdesk-tray"
  grep -qx /usr/share/metainfo/dev.stormdesk.app.metainfo.xml <<<"$files" || fail "rpm lacks the metainfo"
  for so in libwebkit2gtk-4.1.so.0 libgtk-3.so.0 libayatana-appindicator3.so.1; do
    grep -q "^$so" <<<"$requires" || fail "rpm does not require $so"
  done
  ok "rpm: stormdesk $version with the CLI, metainfo and WebKitGTK requirement"
fi

echo "-- install with apt-get"
if dpkg -s stormdesk >/dev/null 2>&1; then
  echo "note: a stormdesk package was installed already (an interrupted run); removing it first"
  purge
fi
installed=yes
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
dpkg -L stormdesk > "$work/files"
[ "$(command -v stormdesk)" = /usr/bin/stormdesk ] || fail "stormdesk on PATH is $(command -v stormdesk)"
[ "$(stormdesk --version)" = "stormdesk $version" ] || fail "stormdesk --version says $(stormdesk --version)"
[ "$(stormdesk-cli --version)" = "stormdesk-cli $version" ] || fail "stormdesk-cli --version says $(stormdesk-cli --version)"
[ "$(stormdesk-tray --version)" = "stormdesk-tray $version" ] || fail "stormdesk-tray --version says $(stormdesk-tray --version)"
ok "installed: $(stormdesk --version), $(stormdesk-cli --version), $(stormdesk-tray --version)"

echo "-- the installed app, demo mode, under Xvfb"
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache \
  STORMDESK_DATA_DIR=$work/data STORMDESK_KEYRING_SERVICE=stormdesk-package-check ST2_CONFIG_FILE=$work/none
unset ST2_BASE_URL ST2_API_URL ST2_AUTH_URL ST2_STREAM_URL ST2_API_KEY ST2_AUTH_TOKEN STORMDESK_CONFIG || true
mkdir -p "$XDG_CONFIG_HOME/stormdesk"
printf 'start_at_login = true\n' > "$XDG_CONFIG_HOME/stormdesk/settings.toml"
now() { date +%s.%N; }
wait_for() { # wait_for PATTERN FILE: at most 60 s
  local end=$((SECONDS + 60))
  until grep -q "$1" "$2"; do
    [ $SECONDS -lt $end ] || { tail -20 "$2" >&2; fail "no \"$1\" within 60 s"; }
    sleep 0.005
  done
}
# start BINARY TAG: runs it in demo mode and waits for the desk; sets app_pid
# and appends the two times to $work/TAG.tray and $work/TAG.desk.
start() {
  local t0
  t0=$(now)
  STORMDESK_LOG=info "$1" --demo > "$work/log" 2>&1 &
  app_pid=$!
  wait_for "tray ready" "$work/log"; echo "$(now) - $t0" | bc >> "$work/$2.tray"
  wait_for "desk ready" "$work/log"; echo "$(now) - $t0" | bc >> "$work/$2.desk"
}
stop() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=; }
start /usr/bin/stormdesk first
[ "$(readlink "/proc/$app_pid/exe")" = /usr/bin/stormdesk ] || fail "the running app is $(readlink "/proc/$app_pid/exe")"
# WM_CLASS as xwininfo prints it: "title": ("instance" "Class").
classes=
for _ in $(seq 100); do
  classes=$(xwininfo -root -tree | sed -n 's/.*"Stormdesk": ("\([^"]*\)" "\([^"]*\)").*/\1 \2/p' | awk 'NR == 1')
  [ -n "$classes" ] && break; sleep 0.1
done
[ -n "$classes" ] || fail "no window titled Stormdesk"
grep -qw -- "$wm_class" <<<"$classes" || fail "StartupWMClass=$wm_class, the window's WM_CLASS is ($classes)"
ok "window WM_CLASS ($classes) matches StartupWMClass=$wm_class"
entry=$XDG_CONFIG_HOME/autostart/Stormdesk.desktop
[ -f "$entry" ] || fail "start at login is on, but there is no $entry"
exec_line=$(sed -n 's/^Exec=//p' "$entry")
# One entry for the app and the tray alike: the installed tray.
[ "${exec_line%% *}" = '"/usr/bin/stormdesk-tray"' ] || fail "the autostart entry runs '$exec_line'"
grep -q -- "--minimized" <<<"$exec_line" || fail "the autostart entry does not start hidden: '$exec_line'"
ok "autostart entry runs '$exec_line'"
stop

# Started as at login: the tray only. No window and no WebKit process exist
# until the pane is summoned (a second launch), which makes them.
STORMDESK_LOG=info /usr/bin/stormdesk --demo --minimized > "$work/log" 2>&1 &
app_pid=$!
wait_for "desk ready" "$work/log"
sleep 1
! xwininfo -root -tree | grep -q '"Stormdesk": (' || fail "a start at login made a window"
! pgrep -P "$app_pid" -f WebKit >/dev/null || fail "a start at login started WebKit: $(pgrep -a -P "$app_pid")"
/usr/bin/stormdesk >/dev/null 2>&1 || true
wait_for "webview loaded" "$work/log"
xwininfo -root -tree | grep -q '"Stormdesk": (' || fail "summoning after a start at login showed no window"
pgrep -P "$app_pid" -f WebKitWebProcess >/dev/null || fail "summoning started no web process"
ok "a start at login makes no webview until summoned; a second launch makes and shows it"
stop

# Released: hidden for longer than STORMDESK_RELEASE_AFTER_SECS, the window
# goes and no WebKit process is left (the network process would stay for the
# app's life); a second launch makes them again and shows the pane.
STORMDESK_RELEASE_AFTER_SECS=1 STORMDESK_LOG=info /usr/bin/stormdesk --demo > "$work/log" 2>&1 &
app_pid=$!
wait_for "webview loaded" "$work/log"
sleep 1
win=$(xdotool search --onlyvisible --name '^Stormdesk$' | head -1)
[ -n "$win" ] || fail "no visible window to hide"
xdotool windowfocus --sync "$win" key Escape
wait_for "network process ended" "$work/log"
# The log is coloured: escapes removed before the field is read.
sed 's/\x1b\[[0-9;]*m//g' "$work/log" | grep -q "network process ended ended=1" \
  || fail "the release ended no network process: $(grep 'network process' "$work/log")"
sleep 1
! pgrep -P "$app_pid" -f WebKit >/dev/null || fail "WebKit is left after the release: $(pgrep -a -P "$app_pid")"
loaded=$(grep -c "webview loaded" "$work/log")
/usr/bin/stormdesk >/dev/null 2>&1 || true
end=$((SECONDS + 60))
until [ "$(grep -c "webview loaded" "$work/log")" -gt "$loaded" ]; do
  [ $SECONDS -lt $end ] || { tail -20 "$work/log" >&2; fail "summoning after a release loaded no pane"; }
  sleep 0.01
done
[ -n "$(xdotool search --onlyvisible --name '^Stormdesk$')" ] || fail "summoning after a release showed no window"
pgrep -P "$app_pid" -f WebKitNetworkProcess >/dev/null || fail "summoning after a release started no network process"
ok "a release ends every WebKit process; a second launch makes them again and shows the pane"
stop

# Cold start: the installed app against the same binary from the build tree
# (the baseline), alternating, five each.
built=${STORMDESK_BUILT_APP:-target/release/stormdesk}
for _ in 1 2 3 4 5; do
  start /usr/bin/stormdesk installed; stop
  if [ -x "$built" ]; then start "$built" built; stop; fi
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tray=$(median < "$work/installed.tray"); desk=$(median < "$work/installed.desk")
line="cold start, installed (median of 5, demo mode): tray ready ${tray}s, desk ready ${desk}s"
if [ -s "$work/built.tray" ]; then
  btray=$(median < "$work/built.tray"); bdesk=$(median < "$work/built.desk")
  line="$line; baseline $built: ${btray}s / ${bdesk}s; ratios $(echo "scale=2; $tray/$btray" | bc)x / $(echo "scale=2; $desk/$bdesk" | bc)x"
fi
echo "$line"

echo "-- the installed tray without WebKit, its pane the installed app"
tests/split/check.sh /usr/bin/stormdesk-tray - || fail "the installed stormdesk-tray and its pane"
ok "stormdesk-tray starts the installed pane, which ends when released and comes back when summoned"

echo "-- the menu entry, launched as a desktop launches it (gio launch)"
STORMDESK_LOG=info gio launch /usr/share/applications/Stormdesk.desktop > "$work/log" 2>&1
end=$((SECONDS + 60))
until [ -n "$(xdotool search --onlyvisible --name '^Stormdesk$' 2>/dev/null)" ]; do
  [ $SECONDS -lt $end ] || { tail -20 "$work/log" >&2; fail "the menu entry showed no pane"; }
  sleep 0.2
done
tray_pid=$(pgrep -x stormdesk-tray) || fail "the menu entry started no stormdesk-tray"
pane_pid=$(pgrep -f '^/usr/bin/stormdesk --attach') || fail "the menu entry's pane is not stormdesk --attach"
[ "$(ps -o ppid= -p "$pane_pid" | tr -d ' ')" = "$tray_pid" ] || fail "the pane is not the tray's child"
kill -TERM "$tray_pid"
end=$((SECONDS + 15))
while kill -0 "$tray_pid" 2>/dev/null || kill -0 "$pane_pid" 2>/dev/null; do
  [ $SECONDS -lt $end ] || fail "the menu entry's tray and pane did not end on SIGTERM"
  sleep 0.2
done
ok "the menu entry starts stormdesk-tray, whose pane is the installed app (--attach)"

echo "-- remove"
purge
installed=
dpkg -s stormdesk >/dev/null 2>&1 && fail "stormdesk is still installed"
while read -r f; do
  [ -f "$f" ] && fail "$f is left after removal"
done < "$work/files"
command -v stormdesk stormdesk-cli stormdesk-tray >/dev/null && fail "a binary is still on PATH"
ok "removed: none of its $(wc -l < "$work/files") paths' files remain"
