#!/usr/bin/env bash
# Start the project on http://127.0.0.1:8000 (API docs at /docs). Arguments go to
# `python -m app`: e.g. scripts/run.sh --port 9000, or --reload while developing.
source "$(dirname "$0")/bootstrap.sh"
cd "$PROJECT_DIR/backend"
"$UV" run python -m app.prestart
exec "$UV" run python -m app "$@"
