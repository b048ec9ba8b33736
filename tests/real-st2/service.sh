#!/usr/bin/env bash
# Stop or start one StackStorm service of the real StackStorm that run.sh
# brought up (the fault tests kill st2stream and st2api and bring them back).
# Usage: service.sh stop|start st2stream|st2api|st2auth   (ST2_ROOT as for run.sh)
set -euo pipefail
R=${ST2_ROOT:?ST2_ROOT is the real StackStorm root}
action=$1 service=$2
case $service in
  st2auth) port=9100 ;; st2api) port=9101 ;; st2stream) port=9102 ;;
  *) echo "unknown service $service" >&2; exit 2 ;;
esac
pidfile=$R/run/pids/$service.pid
case $action in
  stop)
    # Whoever listens on or serves from the port (a service may have forked),
    # and the pid file's process.
    pids=$( { cat "$pidfile" 2>/dev/null; ss -Htanp "sport = :$port" | grep -o 'pid=[0-9]*' | cut -d= -f2; } | sort -u)
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
      alive=0; for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ $alive = 0 ] && exit 0; sleep 0.2
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done ;;
  start)
    cd "$R/run"
    # A session of its own: it outlives this script and whoever called it.
    setsid "$R/venv/bin/$service" --config-file st2.conf >> "logs/$service.out" 2>&1 < /dev/null &
    for _ in $(seq 1 150); do
      # The pid file names whoever listens (setsid may have forked).
      holder=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
      [ -n "$holder" ] && { echo "$holder" > "$pidfile"; exit 0; }
      sleep 0.2
    done
    echo "$service did not come back on :$port" >&2; exit 1 ;;
  *) echo "usage: $0 stop|start SERVICE" >&2; exit 2 ;;
esac
