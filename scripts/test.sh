#!/usr/bin/env bash
# Run the template's whole test suite: bakes every supported combination, checks and lints each,
# and runs the baked projects' own suites. Arguments go to pytest (e.g. scripts/test.sh -k answers).
# PostgreSQL must be listening on 127.0.0.1:5432 (the PostgreSQL bake's suite uses it).
source "$(dirname "$0")/bootstrap.sh"
cd "$REPO_DIR"
# One xdist worker more than the cores: much of the suite waits on servers, browsers and the guides'
# commands, and the third worker keeps the cores busy meanwhile (a later -n in the arguments wins).
exec "$UV" run --locked pytest -n "$(($(nproc) + 1))" "$@"
