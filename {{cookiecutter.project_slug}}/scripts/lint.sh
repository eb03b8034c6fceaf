#!/usr/bin/env bash
# Lint, format check and strict type check of the backend.
source "$(dirname "$0")/bootstrap.sh"
cd "$PROJECT_DIR/backend"
"$UV" run ruff check .
"$UV" run ruff format --check .
"$UV" run mypy app tests
