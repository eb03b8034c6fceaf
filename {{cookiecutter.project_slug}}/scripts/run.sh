#!/usr/bin/env bash
{%- if cookiecutter.frontend == "react" %}
# Build the frontend (npm) if its sources changed since the last build, then start the project on
# http://127.0.0.1:8000: the page at /, the API at /api/v1 and its docs at /docs, on one port.
# Without npm it says so and serves the API alone.
# Arguments go to `python -m app`: e.g. scripts/run.sh --port 9000 (scripts/dev.sh reloads on changes).
{%- else %}
# Start the project on http://127.0.0.1:8000 (API docs at /docs). Arguments go to
# `python -m app`: e.g. scripts/run.sh --port 9000, or --reload while developing.
{%- endif %}
source "$(dirname "$0")/bootstrap.sh"
{%- if cookiecutter.frontend == "react" %}
source "$PROJECT_DIR/scripts/frontend.sh"
problem="$(npm_problem)"
if [ -z "$problem" ]; then
    build_frontend
elif [ -f "$FRONTEND_DIR/dist/index.html" ]; then
    echo "$problem: serving the frontend as last built in frontend/dist." >&2
else
    echo "$problem: serving the API alone (install Node.js 20.19+ with npm for the page)." >&2
fi
{%- endif %}
cd "$PROJECT_DIR/backend"
"$UV" run python -m app.prestart
exec "$UV" run python -m app "$@"
