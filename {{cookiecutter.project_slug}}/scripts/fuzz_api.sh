#!/usr/bin/env bash
# Put the HTTP API through Schemathesis with more examples than the test suite's small run:
# scripts/fuzz_api.sh [EXAMPLES] (200 a route by default). Like the tests, it starts a server of
# its own on a database of its own; backend/tests/test_api_description.py says what is checked.
source "$(dirname "$0")/bootstrap.sh"
cd "$PROJECT_DIR/backend"
SCHEMATHESIS_EXAMPLES="${1:-200}" exec "$UV" run pytest tests/test_api_description.py -p no:cacheprovider
