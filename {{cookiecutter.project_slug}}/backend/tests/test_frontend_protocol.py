"""The frontend's copy of the socket's AsyncAPI document, frontend/src/api/asyncapi.json, is the
document the backend makes now, as scripts/protocol.sh writes it. The script also generates the
frontend's TypeScript of the protocol (frontend/src/api/protocol.ts) from the copy, which the
frontend's own tests check against it."""

import json

from app.realtime.asyncapi import document
from tests.conftest import BACKEND_DIR

COPY = BACKEND_DIR.parent / "frontend" / "src" / "api" / "asyncapi.json"
STALE = "frontend/src/api/asyncapi.json is stale: run scripts/protocol.sh and commit the changes"


def test_the_frontends_copy_of_the_document_is_up_to_date() -> None:
    # What `python -m app.realtime.asyncapi` prints.
    printed = json.dumps(document(), indent=2) + "\n"
    assert COPY.read_text() == printed, STALE
