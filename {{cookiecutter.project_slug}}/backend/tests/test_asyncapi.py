"""The socket's AsyncAPI description (app/realtime/asyncapi.py): served beside the OpenAPI one,
complete, and made of valid JSON Schema. tests/socket_client.py checks every frame the socket
tests read against it."""

import json

import httpx
import jsonschema_rs

from app.realtime.asyncapi import document
from app.realtime.handlers import registry
from app.realtime.protocol import CLOSES_WITH, CloseCode, ErrorCode
from tests.conftest import BACKEND_DIR
from tests.socket_client import SERVER_FRAMES, is_request


async def test_it_is_served_beside_the_openapi_description(client: httpx.AsyncClient) -> None:
    response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(document()))
    assert response.json()["channels"]["socket"]["address"] == "/api/v1/socket"


def test_it_names_every_state_error_code_and_close_code() -> None:
    described = document()
    schemas = described["components"]["schemas"]
    assert set(schemas["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}
    assert set(schemas["CloseCode"]["enum"]) >= {int(code) for code in CloseCode}
    assert schemas["ErrorMessage"]["x-closes-with"] == {
        code.value: int(close) for code, close in CLOSES_WITH.items()
    }
    for state in registry.states:
        assert described["operations"][state]["action"] == "receive"
        reply = registry.entry(state).reply.state
        payload = described["components"]["messages"][f"{state}Reply"]["payload"]
        assert payload["properties"]["state"] == {"const": reply}


def test_every_message_is_valid_json_schema() -> None:
    described = document()
    for name, message in described["components"]["messages"].items():
        assert jsonschema_rs.meta.is_valid(message["payload"]), name
    for name, schema in described["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    # Every $ref resolves: a validator is built for each message.
    for name in described["components"]["messages"]:
        jsonschema_rs.validator_for({"$ref": f"#/components/messages/{name}/payload", **described})
    assert [name for name in described["components"]["messages"] if is_request(name)]


def test_a_frame_off_the_description_is_caught() -> None:
    assert SERVER_FRAMES.is_valid({"state": "error", "error": "x", "code": "internal"})
    assert not SERVER_FRAMES.is_valid({"state": "error", "error": "x", "code": "no_such_code"})
    assert not SERVER_FRAMES.is_valid({"state": "pong"})  # no data
    assert not SERVER_FRAMES.is_valid({"state": "update", "data": {"room": "r"}})


def test_the_protocol_page_names_every_message_error_code_and_close_code() -> None:
    page = (BACKEND_DIR.parent / "docs" / "protocol.md").read_text()
    described = document()
    states = {
        message["payload"]["properties"]["state"]["const"]
        for name, message in described["components"]["messages"].items()
        if name not in ("token", "error")
    } | {"error"}
    named = {
        *(f"`{state}`" for state in states | set(registry.states)),
        *(f"`{code}`" for code in described["components"]["schemas"]["ErrorCode"]["enum"]),
        *(f"| {code} |" for code in described["components"]["schemas"]["CloseCode"]["enum"]),
    }
    assert {name for name in named if name not in page} == set()
