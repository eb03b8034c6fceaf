#!/usr/bin/env bash
# Run the project's tests; arguments go to pytest (e.g. scripts/test.sh -k socket).
source "$(dirname "$0")/bootstrap.sh"
cd "$PROJECT_DIR/backend"
exec "$UV" run pytest "$@"
