"""The socket's AsyncAPI 3.0 document, made from the protocol's own models and the registered
states: served at /api/v1/asyncapi.json, and the source of the frontend's generated types.

`python -m app.realtime.asyncapi` prints it.
"""

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.core.config import settings
from app.realtime.connections import ClosingData
from app.realtime.dispatch import InitialisedData
from app.realtime.handlers import registry
from app.realtime.protocol import CLOSES_WITH, REQUEST_ID, CloseCode, ErrorMessage
from app.realtime.registry import StateRegistry
from app.realtime.rooms.hub import PresenceData, PutOutData, UpdateData

REF = "#/components/schemas/{model}"

# Where the socket is served.
SOCKET_PATH = f"{settings.API_V1_STR}/socket"

# Every close code a client may see, and what it means to it. The app closes with CloseCode;
# the server itself with 1007 (text that is not UTF-8) and, under a plain uvicorn, 1012.
CLOSE_CODES: dict[int, str] = {
    CloseCode.NORMAL: "Done: saved, idle too long (`closing` first), or the client closed.",
    CloseCode.GOING_AWAY: "The server is restarting (`closing` first): reconnect in a moment.",
    1007: "A text frame that is not UTF-8.",
    CloseCode.POLICY_VIOLATION: "Refused (the error before it says why): log in again, slow down.",
    CloseCode.MESSAGE_TOO_BIG: "A frame was over the size limit (`message_too_big` first).",
    CloseCode.INTERNAL_ERROR: "A server fault (`internal` first), or a peer that missed pings.",
    1012: "Service restart, from a server other than `python -m app`: reconnect in a moment.",
    CloseCode.TRY_AGAIN_LATER: "Busy, or this client read too slowly: reconnect in a moment.",
}

# Messages the server sends without being asked: name, state, data model, summary.
EVENTS: tuple[tuple[str, str, type[BaseModel], str], ...] = (
    ("initialised", "initialised", InitialisedData, "The answer to the token: the socket is open."),
    ("closing", "closing", ClosingData, "The last frame before a close the client did not cause."),
    ("update", "update", UpdateData, "An update of a room the socket is in, in `seq` order."),
    ("presence", "presence", PresenceData, "Someone joined or left a room the socket is in."),
    ("putOut", "left", PutOutData, "The room's owner took this user out, or deleted the room."),
)


def _frame(state: str, data: dict[str, Any], *, with_id: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {"state": {"const": state}, "data": data}
    if with_id:
        properties["id"] = {"$ref": REF.format(model="RequestId")}
    return {"type": "object", "properties": properties, "required": ["state", "data"]}


def _message(name: str, summary: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "title": name, "summary": summary, "payload": payload}


def document(states: StateRegistry = registry) -> dict[str, Any]:
    models: list[type[BaseModel]] = [ErrorMessage, *(event[2] for event in EVENTS)]
    for name in states.states:
        entry = states.entry(name)
        models += [model for model in (entry.model, entry.reply.data) if model is not None]
    refs, definitions = models_json_schema(
        [(model, "serialization") for model in dict.fromkeys(models)], ref_template=REF
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))

    def data_of(model: type[BaseModel] | None) -> dict[str, Any]:
        return refs[(model, "serialization")] if model else {"type": "object"}

    schemas["RequestId"] = REQUEST_ID.json_schema()
    schemas["RequestId"]["description"] = "Echoed in the reply, or in the error, to this request."
    schemas["CloseCode"] = {
        "type": "integer",
        "enum": [int(code) for code in CLOSE_CODES],
        "description": "\n".join(f"{code}: {meaning}" for code, meaning in CLOSE_CODES.items()),
    }
    messages: dict[str, Any] = {
        "token": _message(
            "token",
            "The first frame: an access token. Nothing else is served before `initialised`.",
            {
                "type": "object",
                "properties": {"token": {"type": "string"}},
                "required": ["token"],
            },
        ),
        "error": _message(
            "error",
            "A request, or the socket, failed; `x-closes-with` names the errors that close it.",
            refs[(ErrorMessage, "serialization")],
        ),
    }
    operations: dict[str, Any] = {
        "sendToken": {
            "action": "receive",
            "channel": {"$ref": "#/channels/socket"},
            "messages": [{"$ref": "#/channels/socket/messages/token"}],
            "reply": {
                "channel": {"$ref": "#/channels/socket"},
                "messages": [
                    {"$ref": "#/channels/socket/messages/initialised"},
                    {"$ref": "#/channels/socket/messages/error"},
                ],
            },
        }
    }
    for name in states.states:
        entry = states.entry(name)
        request, reply = f"{name}Request", f"{name}Reply"
        messages[request] = _message(
            request, f"Asks for `{name}`.", _frame(name, data_of(entry.model), with_id=True)
        )
        messages[reply] = _message(
            reply,
            f"The answer to `{name}`.",
            _frame(entry.reply.state, data_of(entry.reply.data), with_id=True),
        )
        operations[name] = {
            "action": "receive",
            "channel": {"$ref": "#/channels/socket"},
            "messages": [{"$ref": f"#/channels/socket/messages/{request}"}],
            "reply": {
                "channel": {"$ref": "#/channels/socket"},
                "messages": [
                    {"$ref": f"#/channels/socket/messages/{reply}"},
                    {"$ref": "#/channels/socket/messages/error"},
                ],
            },
        }
    for name, state, model, summary in EVENTS:
        messages[name] = _message(name, summary, _frame(state, data_of(model), with_id=False))
        if name != "initialised":  # the reply to sendToken
            operations[name] = {
                "action": "send",
                "channel": {"$ref": "#/channels/socket"},
                "messages": [{"$ref": f"#/channels/socket/messages/{name}"}],
            }
    schemas["ErrorMessage"]["x-closes-with"] = {
        str(code): int(close) for code, close in CLOSES_WITH.items()
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            # The same in every project, so the frontend's copy needs no project name.
            "title": "The session socket",
            "version": "1",
            "description": (
                "One websocket per browser tab. The client sends its access token first, then "
                "requests `{state, data, id?}`; each gets one reply (or an `error`) with the "
                "same `id`, in order. Unasked messages (`update`, `presence`, `left`, `closing`) "
                "come between replies. Close codes: see the CloseCode schema."
            ),
        },
        "defaultContentType": "application/json",
        "channels": {
            "socket": {
                "address": SOCKET_PATH,
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


if __name__ == "__main__":
    print(json.dumps(document(), indent=2))
