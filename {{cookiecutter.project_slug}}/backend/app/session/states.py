"""The scaffold's states. Add yours here: one function, one model for its `data`."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from app.api.sockets import sanitize_data_request
from app.session import store
from app.session.context import SessionContext
from app.session.errors import CloseCode, ErrorCode, SocketError
from app.session.messages import Response
from app.session.registry import StateRegistry

registry = StateRegistry()


class Strict(BaseModel):
    """Unknown fields are an error, so a typo in a client never passes silently."""

    model_config = ConfigDict(extra="forbid")


@registry.state("ping")
async def ping(context: SessionContext, data: dict[str, Any]) -> Response:
    return Response(state="pong", data=data)


class StartThingsData(Strict):
    pass


STARTED = {"something": "yes, something"}


@registry.state("startThings")
async def start_things(context: SessionContext, data: StartThingsData) -> Response:
    async with context.db() as db:
        record = await store.start_session(db, context.member.id, content=dict(STARTED))
    context.session_id = record.id
    return Response(state="startThings", data=STARTED)


class SaveData(Strict):
    content: dict[str, JsonValue] = Field(default_factory=dict)


@registry.state("save")
async def save(context: SessionContext, data: SaveData) -> Response:
    if context.session_id is None:
        raise SocketError(ErrorCode.NOT_ALLOWED, "Start a session (startThings) before saving it.")
    content: dict[str, Any] = sanitize_data_request(data.content)
    async with context.db() as db:
        record = await store.save_session(db, context.session_id, content)
    context.session_id = None
    if record is None:
        raise SocketError(
            ErrorCode.NOT_ALLOWED, "A session started elsewhere replaced this one; start again."
        )
    return Response(state="save", data=store.describe(record), close_code=CloseCode.NORMAL)
