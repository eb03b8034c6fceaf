#!/usr/bin/env bash
# Develop with live reload, until Ctrl+C stops both servers:
# - the backend on http://127.0.0.1:8000, restarted on every code change (PORT moves it);
# - Vite's dev server on http://localhost:5173 (FRONTEND_PORT moves it), which updates the page as
#   you edit frontend/src and forwards /api, HTTP and the socket, to the backend.
# Open http://localhost:5173. Arguments go to `python -m app`.
source "$(dirname "$0")/bootstrap.sh"
source "$PROJECT_DIR/scripts/frontend.sh"
require_npm
install_frontend
cd "$PROJECT_DIR/backend"
"$UV" run python -m app.prestart

PORT="${PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-5173}"
servers=()
stop_servers() {
    trap - EXIT INT TERM
    for pid in "${servers[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    wait
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each server in a process group of its own, so that stopping one stops all its processes.
setsid "$UV" run python -m app --reload --port "$PORT" "$@" &
servers+=($!)
(
    cd "$FRONTEND_DIR"
    BACKEND_URL="http://127.0.0.1:$PORT" exec setsid npm run --silent dev -- --port "$FRONTEND_PORT"
) &
servers+=($!)
echo "Open http://localhost:$FRONTEND_PORT (the API: http://127.0.0.1:$PORT/docs); Ctrl+C stops both." >&2
# When either server stops, stop the other.
wait -n
