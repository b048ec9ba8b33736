#!/usr/bin/env bash
# Proof of fidelity: the real st2 CLI (st2client from PyPI), unmodified,
# against `stormdesk-cli sim` on loopback — and, with --real URL, the same
# checks against real StackStorm, so the two are held to one standard. Both
# serve the conformance pack (tests/real-st2/packs).
# Usage: tests/st2-cli-fidelity.sh [path/to/stormdesk-cli]
#        tests/st2-cli-fidelity.sh --real http://127.0.0.1:8080
# ST2_CLI: an st2 binary to use (default: a venv of our own with st2client).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
st2bin=${ST2_CLI:-}
if [ -z "$st2bin" ]; then
  venv=$root/.venv-st2
  if [ ! -x "$venv/bin/st2" ]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q st2client || { echo "cannot install st2client"; exit 2; }
  fi
  st2bin=$venv/bin/st2
fi
if [ "${1:-}" = "--real" ]; then
  against="real StackStorm"
  url=$2
  trap 'rm -rf "$work"' EXIT
  # The st2 CLI would put st2auth on :9100 of the base URL; behind nginx
  # every service is under the one host, as the simulator serves them too.
  export ST2_BASE_URL=$url ST2_AUTH_URL=$url/auth ST2_API_URL=$url/api ST2_STREAM_URL=$url/stream
else
  against="the simulator"
  cli=${1:-$root/target/debug/stormdesk-cli}
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  STORMDESK_SIM_API_KEYS=fidelity-key "$cli" sim --listen "127.0.0.1:$port" --time-scale 0.05 \
    --packs "$root/tests/real-st2/packs" >"$work/sim.out" 2>"$work/sim.err" &
  sim_pid=$!
  trap 'kill $sim_pid 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 50); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
  url=$(head -n1 "$work/sim.out")
  [ "$url" = "http://127.0.0.1:$port" ] || { echo "FAIL sim prints its base URL first"; exit 1; }
  # The unversioned spellings, as StackStorm behind nginx also serves them.
  export ST2_BASE_URL=$url ST2_AUTH_URL=$url/auth ST2_API_URL=$url/api ST2_STREAM_URL=$url/stream
fi
unset ST2_AUTH_TOKEN ST2_API_KEY
st2() { "$st2bin" --skip-config "$@"; }

pass=0; fail=0
check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass+1)); echo "ok   $name"; else fail=$((fail+1)); echo "FAIL $name"; fi
}

token=$(st2 auth st2admin -p 'Ch@ngeMe' -t 2>"$work/err")
check "st2 auth prints a token" bash -c "[[ '$token' =~ ^[0-9a-f]{32}$ ]]"
st2 auth st2admin -p wrong >"$work/bad" 2>&1; rc=$?
check "st2 auth with a bad password fails with StackStorm's faultstring" bash -c "[ $rc -ne 0 ] && grep -q 'Invalid or missing credentials' '$work/bad'"
export ST2_AUTH_TOKEN=$token

st2 action-alias list -p stormdesk_conformance -j >"$work/list" 2>&1
check "action-alias list shows the pack's aliases" python3 -c "
import json,sys; d=json.load(open('$work/list'))
sys.exit(0 if {'stormdesk_conformance.conf_greet','stormdesk_conformance.conf_flow','stormdesk_conformance.conf_off'} <= {a['ref'] for a in d} else 1)"

st2 action-alias match "conf greet bob" -j >"$work/match" 2>&1
check "action-alias match finds conf_greet" grep -q '"conf_greet"' "$work/match"

st2 action-alias match "conf nothing at all" >"$work/nomatch" 2>&1; rc=$?
check "action-alias match on nonsense reports no patterns" bash -c "[ $rc -ne 0 ] && grep -q 'matched no patterns' '$work/nomatch'"

st2 action-alias match "conf twin x" >"$work/amb" 2>&1; rc=$?
check "action-alias match on two aliases reports more than 1 pattern" bash -c "[ $rc -ne 0 ] && grep -q 'matched more than 1 pattern' '$work/amb'"

st2 action-alias execute "conf greet bob" >"$work/exec" 2>&1
id=$(grep -o '[0-9a-f]\{24\}' "$work/exec" | head -n1)
check "action-alias execute starts an execution" bash -c "grep -q \"Matching Action-alias: 'stormdesk_conformance.conf_greet'\" '$work/exec' && [ -n '$id' ]"

for _ in $(seq 100); do
  st2 execution get "$id" -j >"$work/get" 2>&1
  grep -q '"status": "succeeded"' "$work/get" && break
  sleep 0.1
done
check "execution get shows the finished result" bash -c "grep -q '\"status\": \"succeeded\"' '$work/get' && grep -q 'hello bob' '$work/get'"

st2 action-alias execute "conf flow amy" >"$work/wf" 2>&1
wf=$(grep -o '[0-9a-f]\{24\}' "$work/wf" | head -n1)
for _ in $(seq 150); do
  st2 execution get "$wf" -j >"$work/wfj" 2>&1
  grep -q '"status": "succeeded"' "$work/wfj" && break
  sleep 0.1
done
st2 execution get "$wf" >"$work/wfget" 2>&1; rc=$?
check "execution get of a workflow (children endpoint)" bash -c "[ $rc -eq 0 ] && grep -q 'hello amy / hello again amy' '$work/wfget'"

st2 action-alias execute "conf count to many" >"$work/cast" 2>&1; rc=$?
check "a parameter that does not cast is refused with StackStorm's reason" bash -c "[ $rc -ne 0 ] && grep -q 'Failed to cast value \"many\"' '$work/cast'"

if [ "$against" = "the simulator" ]; then
  key=fidelity-key
else
  key=$(st2 apikey create -k -m '{"made_by": "fidelity"}' 2>"$work/keyerr")
fi
unset ST2_AUTH_TOKEN
ST2_API_KEY=$key st2 action-alias list -p stormdesk_conformance -j >"$work/keyed" 2>&1
check "an API key works as St2-Api-Key" grep -q stormdesk_conformance.conf_greet "$work/keyed"

echo "fidelity against $against: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
