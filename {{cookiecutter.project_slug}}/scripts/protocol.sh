#!/usr/bin/env bash
# Bring the frontend's copy of the socket's protocol up to date with the backend's models: writes
# the AsyncAPI document (`python -m app.realtime.asyncapi`) to frontend/src/api/asyncapi.json, then
# generates frontend/src/api/protocol.ts from it (npm run generate:protocol). Run it after changing
# a state or a message of the socket, and commit both files: the tests fail while either is stale.
source "$(dirname "$0")/bootstrap.sh"
source "$PROJECT_DIR/scripts/frontend.sh"
require_npm
install_frontend

DOCUMENT="$FRONTEND_DIR/src/api/asyncapi.json"
NEW_DOCUMENT="$(mktemp)"
trap 'rm -f "$NEW_DOCUMENT"' EXIT
(cd "$PROJECT_DIR/backend" && "$UV" run python -m app.realtime.asyncapi) >"$NEW_DOCUMENT"
cp "$NEW_DOCUMENT" "$DOCUMENT"
(cd "$FRONTEND_DIR" && npm run --silent generate:protocol)
echo "Wrote frontend/src/api/asyncapi.json and frontend/src/api/protocol.ts." >&2
