#!/usr/bin/env bash
# The conformance suite against real StackStorm.
#
# Brings up the real StackStorm of ../shared/real-st2 (st2 from source,
# RabbitMQ, the chatops pack, nginx's layout on 127.0.0.1:8080) with the
# conformance pack of tests/real-st2/packs, then runs, in this order:
#   1. the CLI and the desk (no window) against it, without the stormdesk pack
#   2. the same with the stormdesk pack installed (announcements on our route)
#   3. the built app in WebKit (tauri-driver): a palette command, ack and result
#   4. the simulator's golden exchanges, recorded afresh from the real server
#   5. the alias engine against StackStorm's own Python code (differential)
#   6. command → ack figures (Stormdesk against match_and_execute and the st2 CLI)
#   7. the real st2 CLI against the real server (side by side with the simulator)
# Needs: scripts/deps.sh done (dbus, gnome-keyring, notification daemon, Xvfb).
# Env: ST2_ROOT (default /tmp/real-st2), STORMDESK_SHARED (default ../shared),
#      DIFF_CASES (differential cases, default 8000), DIFF_SEED (default fixed: CI is repeatable;
#      other seeds explore further).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
# The selection scripts/test.sh builds with: the same features, so this
# reuses its build (a different selection would compile the tree again).
ws=(--workspace --features stormdesk-relay/fakes)
cargo build -q "${ws[@]}" --all-targets
shared=${STORMDESK_SHARED:-$(cd .. && pwd)/shared}
recipe=$shared/real-st2
[ -x "$recipe/start.sh" ] || { echo "no real-st2 recipe at $recipe (set STORMDESK_SHARED)" >&2; exit 2; }
export ST2_ROOT=${ST2_ROOT:-/tmp/real-st2}
t0=$(date +%s)
log() { echo "[real-st2 $(( $(date +%s) - t0 ))s] $*"; }

if [ ! -x "$ST2_ROOT/venv/bin/st2api" ] || [ ! -x "$ST2_ROOT/clivenv/bin/st2" ]; then
  log "setting up real StackStorm in $ST2_ROOT (once)"
  "$recipe/setup.sh"
fi
packs=$ST2_ROOT/opt/stackstorm/packs
# Our packs: the conformance pack now; the stormdesk pack only in phase 2.
rm -rf "$packs/stormdesk" "$packs/stormdesk_conformance"
cp -r tests/real-st2/packs/stormdesk_conformance "$packs/"
FRESH=1 "$recipe/start.sh"
trap '"$recipe/stop.sh" >/dev/null 2>&1 || true' EXIT
export STORMDESK_REAL_ST2_URL=http://127.0.0.1:8080
token=$(cat "$ST2_ROOT/run/token")

register() { # pack
  curl -sf -X POST -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    "$STORMDESK_REAL_ST2_URL/api/v1/packs/register" -d "{\"packs\": [\"$1\"]}" >/dev/null
}

suite() { # phase
  log "CLI and desk against real StackStorm, stormdesk pack $1"
  STORMDESK_REAL_ST2_PACK=$1 dbus-run-session -- scripts/with-daemons.sh \
    cargo test "${ws[@]}" --test real_st2 -- --ignored --test-threads=1
}

suite absent
cp -r st2-pack/stormdesk "$packs/"
register stormdesk
suite present

log "the built app in WebKit (tauri-driver) against real StackStorm"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
dbus-run-session -- scripts/with-daemons.sh \
  env STORMDESK_E2E_ST2_URL="$STORMDESK_REAL_ST2_URL" node tests/e2e/app.e2e.mjs "$repo/target/debug/stormdesk" "$repo/ci-artifacts/real-st2"

log "the simulator against exchanges recorded from the real server now"
python3 tests/real-st2/golden.py record --url "$STORMDESK_REAL_ST2_URL" --out target/golden-real.json \
  --stream-out target/golden-stream.json --output-out target/golden-output.json
python3 tests/real-st2/golden.py compare target/golden-real.json tests/golden/exchanges.json
python3 tests/real-st2/golden.py compare-stream target/golden-stream.json tests/golden/stream.json
python3 tests/real-st2/golden.py compare-output target/golden-output.json tests/golden/output.json
cargo test "${ws[@]}" --test golden

log "the alias engine against StackStorm's own (differential)"
"$ST2_ROOT/venv/bin/python" tests/real-st2/differential.py \
  --cases "${DIFF_CASES:-8000}" --seed "${DIFF_SEED:-20261128}" \
  --ours "$repo/target/debug/examples/alias-oracle"

log "measured: command → ack, Stormdesk's path against match_and_execute and the st2 CLI"
target/debug/examples/ack-latency "$STORMDESK_REAL_ST2_URL" 20
python3 tests/real-st2/ack-latency.py "$ST2_ROOT/clivenv/bin/st2" "$repo/target/debug/stormdesk-cli" "$STORMDESK_REAL_ST2_URL" 6

log "the real st2 CLI against the real server"
ST2_CLI="$ST2_ROOT/clivenv/bin/st2" tests/st2-cli-fidelity.sh --real "$STORMDESK_REAL_ST2_URL"

log "all passed"
