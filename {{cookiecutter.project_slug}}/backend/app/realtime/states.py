"""The scaffold's states. Add yours here: one function, one model for its `data`, one line in
`register`."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from app.realtime import drafts
from app.realtime.context import SessionContext
from app.realtime.protocol import CloseCode, ErrorCode, Response, SocketError
from app.realtime.registry import Reply, StateRegistry


class Strict(BaseModel):
    """Unknown fields are an error, so a typo in a client never passes silently."""

    model_config = ConfigDict(extra="forbid")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set | dict) and not value)


def sanitize_data_request(data: Any) -> Any:
    """Drop empty values (None, "" and empty containers) from request data, recursively.

    False and 0 are values, not emptiness, and are kept; containers left empty by the
    clean-up are dropped too.
    """
    if isinstance(data, dict):
        cleaned = {key: sanitize_data_request(value) for key, value in data.items() if key != ""}
        return {key: value for key, value in cleaned.items() if not _is_empty(value)}
    if isinstance(data, list | tuple | set):
        items = (sanitize_data_request(item) for item in data)
        return type(data)(item for item in items if not _is_empty(item))
    return data


async def ping(context: SessionContext, data: dict[str, Any]) -> Response:
    return Response(state="pong", data=data)


class StartThingsData(Strict):
    pass


class Started(BaseModel):
    something: str


STARTED = Started(something="yes, something")


async def start_things(context: SessionContext, data: StartThingsData) -> Response:
    async with context.open_db() as db:
        record = await drafts.start_session(db, context.member.id, content=STARTED.model_dump())
    context.session_id = record.id
    return Response(state="startThings", data=STARTED)


class SaveData(Strict):
    content: dict[str, JsonValue] = Field(default_factory=dict)


async def save(context: SessionContext, data: SaveData) -> Response:
    if context.session_id is None:
        raise SocketError(ErrorCode.NOT_ALLOWED, "Start a session before saving it.")
    content: dict[str, Any] = sanitize_data_request(data.content)
    async with context.open_db() as db:
        record = await drafts.save_session(db, context.session_id, content)
    context.session_id = None
    if record is None:
        raise SocketError(
            ErrorCode.NOT_ALLOWED, "A session started elsewhere replaced this one; start again."
        )
    return Response(state="save", data=drafts.describe(record), close_code=CloseCode.NORMAL)


def register(registry: StateRegistry) -> None:
    registry.add("ping", ping, Reply("pong"))
    registry.add("startThings", start_things, Reply("startThings", Started))
    registry.add("save", save, Reply("save", drafts.SessionDescription))
