#!/usr/bin/env bash
# `make serve`: DynamoDB Local on disk, the five example systems' tables, demo data once, and
# then the foreground until Ctrl-C (which stops DynamoDB Local cleanly).
#
# Tables are applied on every start (a no-op when nothing changed); demo data is written only
# the first time for each example (a marker in .dynastack/), so restarts keep what you changed.
set -euo pipefail
cd "$(dirname "$0")/.."
DS=.venv/bin/dynastack
ENV_NAME=${DYNASTACK_ENV:-dev}
APPS=(cloud_platform k9 cicd migration_dal vishmaker)

$DS local start --background --data-dir .dynastack/data
trap '$DS local stop' EXIT INT TERM
endpoint=$(.venv/bin/python -c 'from dynastack.local import default_state_dir, read_status; print(read_status(default_state_dir()).state.endpoint)')
export DYNASTACK_ENDPOINT=$endpoint

for app in "${APPS[@]}"; do
  $DS tables apply "examples.$app:app" --env "$ENV_NAME" --endpoint "$endpoint" >/dev/null
  marker=".dynastack/seeded-$app-$ENV_NAME"
  if [ ! -f "$marker" ]; then
    $DS seed "examples.$app:app" --env "$ENV_NAME" --endpoint "$endpoint" && touch "$marker"
  fi
done
$DS doctor examples.cloud_platform:app --env "$ENV_NAME" --endpoint "$endpoint" || true
echo
echo "DynamoDB Local: $endpoint   (listens on all interfaces: see docs/local.md)"
echo "Try: $DS doctor examples.k9:app --env $ENV_NAME --endpoint $endpoint"
echo "Ctrl-C stops it."
sleep infinity &
wait $!
