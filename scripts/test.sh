#!/usr/bin/env bash
# Every check and test, from a fresh Debian machine with only Rust, Node and
# Python: installs what it needs itself.
#
#   scripts/test.sh              every stage, in order (what CI runs)
#   scripts/test.sh STAGE...     only these (with what they need: packages, the build)
#   scripts/test.sh --list       the stages
#
# One debug build serves every stage: one feature set, every target (tests,
# benches in test mode, examples, the app the e2e drives). Tests that need a
# real daemon, StackStorm or Microsoft's packages are #[ignore]d in the plain
# run and run with `--ignored` in their own stage, from the same build.
#
# CI (CI=true) or STORMDESK_CACHE=DIR: the run moves to a copy of the clone
# at a fixed path in $STORMDESK_CACHE (default ~/.cache/stormdesk-build),
# beside cargo's outputs and the tools, bounded by STORMDESK_CACHE_GB
# (default 40, emptied when past it), so a warm machine rebuilds only what
# changed (scripts/build-cache.py). Elsewhere `target/` is the clone's own.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=never
# No incremental compilation: a build from scratch or from the cache only
# pays for it (and it once filled a CI machine's disk).
export CARGO_INCREMENTAL=0
# The one cargo selection every stage uses: the same features, so nothing is
# compiled twice. `fakes` (a loopback Slack) is what the desk's tests enable;
# naming it keeps `cargo build` and `cargo test` on one build.
ws=(--workspace --features stormdesk-relay/fakes)

stages=(deps ui build bindings lint rust vendor daemons benches e2e packages fuzz st2-cli real-st2)
describe() {
  case $1 in
    deps) echo "system packages (WebKitGTK, real keyring, notification daemon, Xvfb, WebKitWebDriver, packaging, real StackStorm's)" ;;
    ui) echo "UI: install, type check, unit tests (Vitest + mockIPC), build" ;;
    build) echo "one debug build of every target (app, CLI, tray, tests, benches, examples)" ;;
    bindings) echo "TypeScript bindings match the Rust types (no drift)" ;;
    lint) echo "format, lints, module sizes and import circles" ;;
    rust) echo "Rust tests (unit, integration against the simulator, CLI)" ;;
    vendor) echo "Microsoft's own code checks our Teams side (botframework-connector judges our tokens, adaptivecards our cards)" ;;
    daemons) echo "against a real gnome-keyring, a real notification daemon and a real session bus (the tray)" ;;
    benches) echo "benchmarks build and run once each, in test mode (measure them with cargo bench)" ;;
    e2e) echo "end to end: the built app in WebKit (tauri-driver), demo server, real daemons" ;;
    packages) echo "packages: .deb and .rpm (CI profile, tauri bundle), checked, installed with apt-get, started under Xvfb (the app, and the tray split from its pane), removed" ;;
    fuzz) echo "fuzz the alias parser, the SSE decoder and the destination decoders (bounded)" ;;
    st2-cli) echo "the real st2 CLI against the simulator" ;;
    real-st2) echo "conformance: real StackStorm (../shared/real-st2): CLI, desk, relay, faults, golden exchanges, differential, st2 CLI" ;;
    *) return 1 ;;
  esac
}

if [ "${1:-}" = "--list" ]; then
  for s in "${stages[@]}"; do printf '%-9s %s\n' "$s" "$(describe "$s")"; done
  exit 0
fi
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${stages[@]}")
for s in "${selected[@]}"; do
  describe "$s" >/dev/null || { echo "unknown stage: $s (scripts/test.sh --list)" >&2; exit 2; }
done
want() { local s; for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
# A stage runs what it needs first: the packages always, the UI before the
# app is compiled (it embeds the built UI), the build before any stage that
# runs what it built.
needs_build=
for s in "${selected[@]}"; do case $s in deps|ui|lint|packages|fuzz) ;; *) needs_build=yes ;; esac; done

# Each stage's header says how long the run has taken so far; the last line
# is the stage table.
SECONDS=0
timings=()
current=
stage() {
  [ -z "$current" ] || timings+=("$(printf '%-9s %3dm%02ds' "$current" $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)))")
  current=$1; started=$SECONDS
  [ "$1" = done ] || printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$(describe "$1")"
}

# The build cache (CI, or asked for): the run moves to a copy of the clone
# at a fixed path beside `target` and the tools, outside the clone.
cache=
if [ -n "${STORMDESK_CACHE:-}" ] || [ "${CI:-}" = true ]; then
  cache=${STORMDESK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stormdesk-build}
  mkdir -p "$cache"
  if [ -z "${STORMDESK_IN_CACHE:-}" ]; then
    # One run at a time uses the cache (and its copy of the sources).
    exec 9>"$cache/run.lock"
    flock 9
    limit_gb=${STORMDESK_CACHE_GB:-40}
    used_kb=$(du -sk "$cache" | cut -f1)
    if [ "$used_kb" -gt $((limit_gb * 1024 * 1024)) ]; then
      echo "build cache: $((used_kb / 1024 / 1024)) GB in $cache, past its bound of $limit_gb GB: emptied"
      find "$cache" -mindepth 1 -maxdepth 1 ! -name run.lock -exec rm -rf {} +
    fi
    # Built where the last run built: paths baked into what was built
    # (CARGO_MANIFEST_DIR, CARGO_BIN_EXE_*, the fuzz crate's path
    # dependencies) stay right, and a clone anywhere reuses the build.
    export STORMDESK_SHARED=${STORMDESK_SHARED:-$(cd .. && pwd)/shared}
    src=$cache/src
    rm -rf "$src.new"
    mkdir -p "$src.new" "$cache/target" "$cache/fuzz-target"
    git ls-files -z --cached --others --exclude-standard | xargs -0 cp -a --parents -t "$src.new"
    cp -a .git "$src.new/.git"
    rm -rf "$src"
    mv "$src.new" "$src"
    ln -s "$cache/target" "$src/target"
    ln -s "$cache/fuzz-target" "$src/fuzz/target"
    cd "$src"
    # Unchanged files get back the times they had when last built.
    python3 scripts/build-cache.py restore "$cache/manifest.json" $(git ls-files | cut -d/ -f1 | sort -u)
    STORMDESK_IN_CACHE=1 exec bash scripts/test.sh "$@"
  fi
  mkdir -p "$cache/tools/bin"
  tools=$cache/tools
else
  tools=$root/target/tools
fi
mkdir -p "$tools/bin"
export PATH=$tools/bin:$PATH
echo "build outputs: $(readlink -f target 2>/dev/null || echo "$root/target")"

# Work that mostly waits (downloads, Python installs, a StackStorm set-up)
# runs beside the compiler; a stage that needs it waits for it there.
mkdir -p ci-artifacts
declare -A bg_pid=()
bg() { # name command...
  local name=$1; shift
  ("$@") >"ci-artifacts/bg-$name.log" 2>&1 &
  bg_pid[$name]=$!
}
await() { # name
  local pid=${bg_pid[$1]:-}
  [ -n "$pid" ] || return 0
  if ! wait "$pid"; then
    echo "background step '$1' failed:" >&2; tail -n 40 "ci-artifacts/bg-$1.log" >&2; exit 1
  fi
  unset "bg_pid[$1]"
}
trap 'for p in "${bg_pid[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# Rust tools, built into the tools directory (kept with the cache).
install_tools() { # crate...
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || cargo install --locked --quiet --root "$tools" "$c"
  done
}
# Python tools in their own venvs in the tools directory.
venv_tool() { # dir pip-args...
  local dir=$tools/$1; shift
  [ -x "$dir/.ready" ] && return 0
  rm -rf "$dir"; python3 -m venv "$dir"; "$dir/bin/pip" install -q "$@"
  printf '#!/bin/sh\n' >"$dir/.ready"; chmod +x "$dir/.ready"
}

stage deps
# Nothing needs the system packages to download crates or build pure-Rust tools.
want fuzz && bg cargo-fuzz install_tools cargo-fuzz
{ want e2e || want real-st2; } && bg tauri-driver install_tools tauri-driver
[ -n "$needs_build" ] && bg fetch cargo fetch --locked -q
scripts/deps.sh desktop-file-utils appstream rpm file binutils xdotool haskell-gtk-sni-tray-utils \
  rabbitmq-server nginx-light apache2-utils
export ST2_ROOT=${ST2_ROOT:-/tmp/real-st2}
if want real-st2; then
  shared=${STORMDESK_SHARED:-$(cd .. && pwd)/shared}
  if [ ! -x "$ST2_ROOT/venv/bin/st2api" ] || [ ! -x "$ST2_ROOT/clivenv/bin/st2" ]; then
    [ -x "$shared/real-st2/setup.sh" ] || { echo "no real-st2 recipe at $shared/real-st2 (set STORMDESK_SHARED)" >&2; exit 2; }
    bg real-st2-setup "$shared/real-st2/setup.sh"
  fi
fi
want vendor && bg vendor-npm npm --prefix tests/vendor ci --no-audit --no-fund
{ want st2-cli || want real-st2; } && bg st2client venv_tool st2client st2client
want packages && bg jsonschema venv_tool jsonschema check-jsonschema==0.39.0

if want ui || [ -n "$needs_build" ]; then
  stage ui
  npm --prefix ui ci --no-audit --no-fund
  if want ui; then
    npm --prefix ui run typecheck
    npm --prefix ui test
  fi
  npm --prefix ui run build
  # The app embeds the built UI: the same bytes keep their times, so an
  # unchanged UI does not rebuild it.
  [ -z "$cache" ] || [ ! -L target ] || python3 scripts/build-cache.py restore "$cache/manifest.json" ui/dist
fi

if [ -n "$needs_build" ]; then
  stage build
  await fetch
  cargo build "${ws[@]}" --all-targets
fi

if want bindings; then
  stage bindings
  target/debug/export-bindings --check
fi

if want lint; then
  stage lint
  cargo fmt --all -- --check
  # Files within 700 lines, no import circle between a crate's modules.
  python3 scripts/check-modules.py
  cargo clippy "${ws[@]}" --all-targets -- -D warnings
fi

if want rust; then
  stage rust
  # Every failure in one run, not only the first test binary's.
  cargo test "${ws[@]}" --no-fail-fast
fi

if want vendor; then
  stage vendor
  await vendor-npm
  cargo test "${ws[@]}" --test vendor -- --ignored
fi

if want daemons; then
  stage daemons
  dbus-run-session -- scripts/with-daemons.sh \
    cargo test "${ws[@]}" --test real_keyring --test real_daemon --test tray_bus -- --ignored
fi

if want benches; then
  stage benches
  # The test profile reuses the tests' build: the bench profile would compile
  # the whole tree optimised again only to prove it compiles.
  cargo test "${ws[@]}" --bench '*'
fi

if want e2e; then
  stage e2e
  await tauri-driver
  STORMDESK_NOTIFY_LOG="$PWD/ci-artifacts/notify.log" dbus-run-session -- scripts/with-daemons.sh \
    node tests/e2e/app.e2e.mjs "$PWD/target/debug/stormdesk" "$PWD/ci-artifacts"
fi

if want packages; then
  stage packages
  scripts/package.sh --ci
  dbus-run-session -- scripts/with-daemons.sh tests/package/check.sh \
    target/release/bundle/deb/Stormdesk_*_amd64.deb target/release/bundle/rpm/Stormdesk-*.rpm
  # The macOS/Windows/Linux release workflow cannot run here; its shape is
  # checked against GitHub's workflow schema (SchemaStore's, vendored by
  # check-jsonschema).
  await jsonschema
  "$tools/jsonschema/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
fi

if want fuzz; then
  stage fuzz
  await cargo-fuzz
  scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi

if want st2-cli; then
  stage st2-cli
  await st2client
  ST2_CLI=$tools/st2client/bin/st2 tests/st2-cli-fidelity.sh "$PWD/target/debug/stormdesk-cli"
fi

if want real-st2; then
  stage real-st2
  await real-st2-setup
  await tauri-driver
  tests/real-st2/run.sh
fi
stage done
echo "== stage times (total $((SECONDS / 60))m$(printf %02d $((SECONDS % 60)))s)"
printf '  %s\n' "${timings[@]}"
