#!/usr/bin/env bash
# Proof of fidelity: the real st2 CLI (st2client from PyPI), unmodified,
# against `stormdesk-cli sim` on loopback. Usage: tests/st2-cli-fidelity.sh [path/to/stormdesk-cli]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${1:-$root/target/debug/stormdesk-cli}
venv=$root/.venv-st2
if [ ! -x "$venv/bin/st2" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q st2client || { echo "cannot install st2client"; exit 2; }
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
"$cli" sim --listen "127.0.0.1:$port" --time-scale 0.05 --api-key fidelity-key >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
url=$(head -n1 "$work/sim.out")
export ST2_BASE_URL=$url ST2_AUTH_URL=$url/auth ST2_API_URL=$url/api ST2_STREAM_URL=$url/stream
unset ST2_AUTH_TOKEN ST2_API_KEY
st2() { "$venv/bin/st2" --skip-config "$@"; }

pass=0; fail=0
check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass+1)); echo "ok   $name"; else fail=$((fail+1)); echo "FAIL $name"; fi
}
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

[ "$url" = "http://127.0.0.1:$port" ]; check "sim prints its base URL first" test $? -eq 0

token=$(st2 auth st2admin -p 'Ch@ngeMe' -t 2>"$work/err")
check "st2 auth prints a token" bash -c "[[ '$token' =~ ^[0-9a-f]{32}$ ]]"
st2 auth st2admin -p wrong >"$work/bad" 2>&1; rc=$?
check "st2 auth with a bad password fails with StackStorm's faultstring" bash -c "[ $rc -ne 0 ] && grep -q 'Invalid or missing credentials' '$work/bad'"
export ST2_AUTH_TOKEN=$token

st2 action-alias list -j >"$work/list" 2>&1
check "action-alias list shows the seed aliases" bash -c "jq_py() { python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if (\$1) else 1)\"; }; jq_py \"{'livestatus.state_overview','custom_linux.genpass','errbot_test.notify_errbot_test'} <= {a['ref'] for a in d}\" < '$work/list'"

st2 action-alias match "shinken service overview" -j >"$work/match" 2>&1
check "action-alias match finds state_overview" bash -c "grep -q '\"state_overview\"' '$work/match'"

st2 action-alias match "make me a sandwich" >"$work/nomatch" 2>&1; rc=$?
check "action-alias match on nonsense reports no patterns" bash -c "[ $rc -ne 0 ] && grep -q 'matched no patterns' '$work/nomatch'"

st2 action-alias execute "genpass" >"$work/exec" 2>&1
id=$(grep -o '[0-9a-f]\{24\}' "$work/exec" | head -n1)
check "action-alias execute starts an execution" bash -c "grep -q \"Matching Action-alias: 'custom_linux.genpass'\" '$work/exec' && [ -n '$id' ]"

for _ in $(seq 50); do
  st2 execution get "$id" -j >"$work/get" 2>&1
  grep -q '"status": "succeeded"' "$work/get" && break
  sleep 0.1
done
check "execution get shows the finished result" bash -c "grep -q '\"status\": \"succeeded\"' '$work/get' && grep -q kaffee_wolke '$work/get'"

st2 action-alias execute "deploy web to staging" >"$work/wf" 2>&1
wf=$(grep -o '[0-9a-f]\{24\}' "$work/wf" | head -n1)
sleep 0.5
st2 execution get "$wf" >"$work/wfget" 2>&1; rc=$?
check "execution get of a workflow action (children endpoint)" bash -c "[ $rc -eq 0 ] && grep -q 'deployed web latest to staging' '$work/wfget'"

unset ST2_AUTH_TOKEN
ST2_API_KEY=fidelity-key st2 action-alias list -j >"$work/keyed" 2>&1
check "an API key works as St2-Api-Key" bash -c "grep -q livestatus.state_overview '$work/keyed'"

echo "fidelity: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
