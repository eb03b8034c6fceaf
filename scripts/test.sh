#!/usr/bin/env bash
# Run the template's whole test suite: bakes every supported combination, checks and lints each,
# and runs the baked projects' own suites. Arguments go to pytest (e.g. scripts/test.sh -k answers).
# PostgreSQL must be listening on 127.0.0.1:5432 (the PostgreSQL bake's suite uses it).
source "$(dirname "$0")/bootstrap.sh"
cd "$REPO_DIR"
exec "$UV" run --locked pytest -n auto "$@"
