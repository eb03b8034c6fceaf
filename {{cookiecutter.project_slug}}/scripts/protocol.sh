#!/usr/bin/env bash
# Bring the frontend's copies of the backend's protocols up to date with the backend's models:
# - the socket's: writes the AsyncAPI document (`python -m app.realtime.asyncapi`) to
#   frontend/src/api/asyncapi.json, then generates frontend/src/api/protocol.ts from it
#   (npm run generate:protocol);
# - the HTTP API's: writes the OpenAPI document (`python -m app.api.openapi`) in parts, each
#   feature's operations (the tag named like its folder) to frontend/src/features/NAME/openapi.json
#   and the others to frontend/src/api/openapi.json, then generates the client in the client/
#   folder beside each (npm run generate:client, with @hey-api/openapi-ts).
# Run it after changing a state or a message of the socket, or a route or a model of the API, and
# commit what it wrote: the tests fail while any of it is stale.
source "$(dirname "$0")/bootstrap.sh"
source "$PROJECT_DIR/scripts/frontend.sh"
require_npm
install_frontend

NEW_DOCUMENT="$(mktemp)"
trap 'rm -f "$NEW_DOCUMENT"' EXIT
# Prints a document of the backend's (its module and arguments) into $NEW_DOCUMENT; fails as it does.
export_document() {
    (cd "$PROJECT_DIR/backend" && "$UV" run python -m "$@") >"$NEW_DOCUMENT"
}

export_document app.realtime.asyncapi
cp "$NEW_DOCUMENT" "$FRONTEND_DIR/src/api/asyncapi.json"
(cd "$FRONTEND_DIR" && npm run --silent generate:protocol)
echo "Wrote frontend/src/api/asyncapi.json and frontend/src/api/protocol.ts." >&2

# A feature folder named like no tag of the API (python -m app.api.openapi exits with 3) has
# no document.
FEATURE_TAGS=()
for folder in "$FRONTEND_DIR"/src/features/*/; do
    name="$(basename "$folder")"
    status=0
    export_document app.api.openapi --only "$name" 2>/dev/null || status=$?
    if [ "$status" = 0 ]; then
        cp "$NEW_DOCUMENT" "$folder/openapi.json"
        FEATURE_TAGS+=(--without "$name")
    elif [ "$status" = 3 ]; then
        rm -f "$folder/openapi.json"
        rm -rf "$folder/openapi"
    else
        exit "$status"
    fi
done
export_document app.api.openapi "${FEATURE_TAGS[@]}"
cp "$NEW_DOCUMENT" "$FRONTEND_DIR/src/api/openapi.json"
(cd "$FRONTEND_DIR" && npm run --silent generate:client)
echo "Wrote the OpenAPI documents (openapi.json) and the client (client/) of frontend/src/api/ and frontend/src/features/*/." >&2
