"""The frontend's copies of the backend's documents are the documents the backend makes now, as
scripts/protocol.sh writes them: the socket's AsyncAPI document, frontend/src/api/asyncapi.json
(the script generates frontend/src/api/protocol.ts from it), and the HTTP API's OpenAPI document
in parts (app.api.openapi): each feature's operations, by the tag named like its folder, in
frontend/src/features/NAME/openapi.json, and the others in frontend/src/api/openapi.json (the
script generates the client in the client/ folder beside each). The frontend's own tests check
the generated files against the copies."""

import json

from app.api import openapi
from app.realtime.asyncapi import document
from tests.conftest import BACKEND_DIR

SRC = BACKEND_DIR.parent / "frontend" / "src"
COPY = SRC / "api" / "asyncapi.json"
STALE = "frontend/src/api/asyncapi.json is stale: run scripts/protocol.sh and commit the changes"
FEATURES = sorted(path for path in (SRC / "features").iterdir() if path.is_dir())
# The features that have operations of their own: those named like a tag of the API.
TAGGED = [folder for folder in FEATURES if folder.name in openapi.tags()]


def printed(value: object) -> str:
    """As `python -m app.realtime.asyncapi` and `python -m app.api.openapi` print it."""
    return json.dumps(value, indent=2) + "\n"


def test_the_frontends_copy_of_the_document_is_up_to_date() -> None:
    assert COPY.read_text() == printed(document()), STALE


def test_the_cores_part_of_the_openapi_document_is_up_to_date() -> None:
    core = openapi.document(without=[folder.name for folder in TAGGED])
    stale = "frontend/src/api/openapi.json is stale: run scripts/protocol.sh and commit the changes"
    assert (SRC / "api" / "openapi.json").read_text() == printed(core), stale


def test_each_features_part_of_the_openapi_document_is_up_to_date() -> None:
    for folder in TAGGED:
        copy = folder / "openapi.json"
        stale = f"{copy.relative_to(BACKEND_DIR.parent)} is missing or stale: scripts/protocol.sh"
        assert copy.is_file(), stale
        assert copy.read_text() == printed(openapi.document(only=folder.name)), stale


def test_no_folder_has_a_document_its_feature_has_no_operations_for() -> None:
    untagged = [folder.name for folder in FEATURES if folder not in TAGGED]
    assert [name for name in untagged if (SRC / "features" / name / "openapi.json").exists()] == []
