#!/usr/bin/env bash
# Start the project: http://127.0.0.1:8000 (API docs at /docs). HOST and PORT override.
source "$(dirname "$0")/bootstrap.sh"
cd "$PROJECT_DIR/backend"
"$UV" run python -m app.prestart
exec "$UV" run uvicorn app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
