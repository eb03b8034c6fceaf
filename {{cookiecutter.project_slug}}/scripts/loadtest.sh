#!/usr/bin/env bash
# Load-test a running server's session socket: scripts/loadtest.sh --url http://127.0.0.1:8000
# --sessions 500 --round-trips 100 (--help says more). The server must use this project's .env.
source "$(dirname "$0")/bootstrap.sh"
cd "$PROJECT_DIR/backend"
exec "$UV" run python -m tools.loadtest "$@"
