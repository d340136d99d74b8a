#!/usr/bin/env bash
# `make serve`: DynamoDB Local on disk, the example systems' tables, demo data once, and then
# the foreground until Ctrl-C, which stops DynamoDB Local and exits 0 leaving no process behind.
#
# One port across restarts, so that an exported DYNASTACK_ENDPOINT keeps working: the port is
# $DYNASTACK_PORT if set (refused if taken), else the one the last run used (recorded in the
# state folder), else 8000 if free, else a free one (then recorded). A server already
# recorded and running (a previous serve that was killed hard) is reused, not duplicated.
#
# Tables are applied on every start (a no-op when nothing changed); demo data is written only
# the first time for each example (a marker in the state folder), so restarts keep what you
# changed. Knobs, all optional: DYNASTACK_PORT, DYNASTACK_ENV (dev), DYNASTACK_STATE_DIR
# (.dynastack), DYNASTACK_SERVE_APPS (the five examples, space-separated), DYNASTACK_PYTHON
# (.venv/bin/python; not PYTHON, which the Makefile passes down for the venv it creates).
#
# Why no `sleep infinity &` + `wait`: a background job of a non-interactive shell ignores
# SIGINT, so Ctrl-C left the sleep behind; the wait below is on a child we kill ourselves.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${DYNASTACK_PYTHON:-.venv/bin/python}
ENV_NAME=${DYNASTACK_ENV:-dev}
STATE=${DYNASTACK_STATE_DIR:-.dynastack}
export DYNASTACK_STATE_DIR=$STATE
read -r -a APPS <<<"${DYNASTACK_SERVE_APPS-cloud_platform k9 cicd migration_dal vishmaker}"
ds() { "$PY" -m dynastack "$@"; }

port_free() {
  "$PY" -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

pick_port() {
  local last
  if [ -n "${DYNASTACK_PORT:-}" ]; then
    echo "$DYNASTACK_PORT"
    return
  fi
  last=$(cat "$STATE/serve.port" 2>/dev/null || true)
  if [ -n "$last" ] && port_free "$last"; then
    echo "$last"
  elif port_free 8000; then
    echo 8000
  else
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])'
  fi
}

waiter=""
stopped=0
stop() {
  [ "$stopped" = 1 ] && return
  stopped=1
  if [ -n "$waiter" ]; then
    kill "$waiter" 2>/dev/null || true
    wait "$waiter" 2>/dev/null || true
  fi
  ds local stop >/dev/null 2>&1 || true
}
trap 'stop; echo; echo "DynamoDB Local stopped."; exit 0' INT TERM
trap stop EXIT

mkdir -p "$STATE"
if ds local status >/dev/null 2>&1; then
  echo "reusing the DynamoDB Local already running (state in $STATE)"
else
  port=$(pick_port)
  ds local start --background --port "$port" --data-dir "$STATE/data"
  echo "$port" >"$STATE/serve.port"
fi
endpoint=$("$PY" -c 'from dynastack.local import default_state_dir, read_status
print(read_status(default_state_dir()).state.endpoint)')
export DYNASTACK_ENDPOINT=$endpoint

for app in "${APPS[@]}"; do
  ds tables apply "examples.$app:app" --env "$ENV_NAME" --endpoint "$endpoint" >/dev/null
  marker="$STATE/seeded-$app-$ENV_NAME"
  if [ ! -f "$marker" ]; then
    ds seed "examples.$app:app" --env "$ENV_NAME" --endpoint "$endpoint" && touch "$marker"
  fi
done
if [ "${#APPS[@]}" -gt 0 ]; then
  ds doctor "examples.${APPS[0]}:app" --env "$ENV_NAME" --endpoint "$endpoint" || true
fi
echo
echo "DynamoDB Local: $endpoint   (listens on all interfaces: see docs/local.md)"
echo "In another shell:"
echo "  export DYNASTACK_ENDPOINT=$endpoint"
echo "  dynastack doctor examples.k9:app --env $ENV_NAME"
echo "Ctrl-C stops it."

# wait on the server itself: returns when it dies on its own, or when a signal runs the trap
pid=$("$PY" -c 'from dynastack.local import default_state_dir, read_status
print(read_status(default_state_dir()).state.pid)')
tail --pid="$pid" -f /dev/null &
waiter=$!
wait "$waiter" || true
if [ "$stopped" = 0 ]; then
  echo "DynamoDB Local exited by itself; see $STATE/local.log" >&2
  exit 1
fi
