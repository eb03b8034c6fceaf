#!/usr/bin/env bash
{%- if cookiecutter.frontend == "react" %}
# Run every test: the frontend's type check, lint, format check and unit tests (npm), then the backend's pytest
# suite, whose tests/e2e drive the freshly built page in Chromium against a real server.
# Arguments go to pytest (e.g. scripts/test.sh -k login); the frontend's checks always run.
# pytest runs on every core (-n auto); scripts/test.sh -n 0 runs it in one process.
{%- else %}
# Run the project's tests; arguments go to pytest (e.g. scripts/test.sh -k login).
# pytest runs on every core (-n auto); scripts/test.sh -n 0 runs it in one process.
{%- endif %}
source "$(dirname "$0")/bootstrap.sh"
{%- if cookiecutter.frontend == "react" %}
source "$PROJECT_DIR/scripts/frontend.sh"
require_npm
build_frontend
(
    cd "$FRONTEND_DIR"
    echo "Frontend: type check, lint, format, unit tests ..." >&2
    # A build type-checks every file, tests too (tsc -b); the tests alone may have changed since.
    if [ "$FRONTEND_BUILT" != 1 ]; then
        npm run --silent typecheck
    fi
    npm run --silent lint
    npm run --silent format:check
    npm test --silent
)
{%- endif %}
cd "$PROJECT_DIR/backend"
exec "$UV" run pytest -n auto --dist loadgroup "$@"
