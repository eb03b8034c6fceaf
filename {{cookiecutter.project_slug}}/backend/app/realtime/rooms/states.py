"""The rooms' states: join, publish, leave."""

from contextlib import suppress
from functools import partial
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from app.core.config import settings
from app.realtime.context import SessionContext
from app.realtime.protocol import ErrorCode, Response, SocketError
from app.realtime.registry import Reply, StateRegistry
from app.realtime.rooms import access
from app.realtime.rooms.broker import BrokerUnavailable
from app.realtime.rooms.hub import MemberView, RoomsFull, Subscriber
from app.realtime.rooms.runtime import hub
from app.realtime.rooms.schemas import ROOM_NAME_PATTERN
from app.realtime.states import Strict

ROOM_NAME = Field(pattern=ROOM_NAME_PATTERN)
UNAVAILABLE = "Rooms are unavailable right now; try again shortly."
FULL = "This server is in as many rooms as it may be; try again shortly."


class JoinData(Strict):
    room: str = ROOM_NAME
    since: int | None = Field(default=None, ge=0)
    # The epoch `since` belongs to, from the `joined` that started it.
    epoch: str | None = Field(default=None, max_length=64)


class RoomData(Strict):
    room: str = ROOM_NAME


class PublishData(Strict):
    room: str = ROOM_NAME
    payload: dict[str, JsonValue]


class JoinedData(BaseModel):
    room: str
    # Every update up to this number is in the past; the next one is seq + 1.
    seq: int
    epoch: str
    members: list[MemberView]
    # Only when the join asked to resume (`since`): whether every missed update follows.
    history_complete: bool | None = None


class PublishedData(BaseModel):
    room: str
    seq: int


class LeftData(BaseModel):
    room: str


async def _leave_all(context: SessionContext) -> None:
    for room in list(context.rooms):
        context.rooms.discard(room)
        with suppress(BrokerUnavailable):
            await hub.leave(room, context.connection_id, context.member)


async def join(context: SessionContext, data: JoinData) -> Response:
    if data.room in context.rooms:
        raise SocketError(ErrorCode.NOT_ALLOWED, f"You are already in room {data.room!r}.")
    if len(context.rooms) >= settings.WS_ROOMS_PER_SOCKET:
        raise SocketError(
            ErrorCode.NOT_ALLOWED,
            f"One connection may be in {settings.WS_ROOMS_PER_SOCKET} rooms; leave one first.",
        )
    async with context.open_db() as db:
        room = await access.find(db, data.room)
        # A room that does not exist and one you may not see get the same answer.
        if room is None or not await access.may_join(db, context.member, room):
            raise SocketError(ErrorCode.NOT_ALLOWED, f"You may not join room {data.room!r}.")
    subscriber = Subscriber(
        context.connection_id,
        context.member,
        context.outbox,
        put_out=partial(context.rooms.discard, data.room),
    )
    try:
        joined = await hub.join(data.room, subscriber, data.since, data.epoch)
    except BrokerUnavailable:
        raise SocketError(ErrorCode.UNAVAILABLE, UNAVAILABLE) from None
    except RoomsFull:
        raise SocketError(ErrorCode.UNAVAILABLE, FULL) from None
    context.rooms.add(data.room)
    context.cleanups["rooms"] = partial(_leave_all, context)
    body: dict[str, Any] = {
        "room": data.room,
        "seq": joined.seq,
        "epoch": joined.epoch,
        "members": joined.members,
    }
    if data.since is not None:
        body["history_complete"] = joined.history_complete
    return Response(state="joined", data=body, followed_by=joined.replay)


async def publish(context: SessionContext, data: PublishData) -> Response:
    if data.room not in context.rooms:
        raise SocketError(ErrorCode.NOT_ALLOWED, f"Join room {data.room!r} before publishing.")
    if not await access.may_publish(context.member, data.room):
        raise SocketError(ErrorCode.NOT_ALLOWED, f"You may not publish to room {data.room!r}.")
    try:
        seq = await hub.publish(data.room, context.member, data.payload)
    except BrokerUnavailable:
        raise SocketError(ErrorCode.UNAVAILABLE, UNAVAILABLE) from None
    return Response(state="published", data={"room": data.room, "seq": seq})


async def leave(context: SessionContext, data: RoomData) -> Response:
    if data.room not in context.rooms:
        raise SocketError(ErrorCode.NOT_ALLOWED, f"You are not in room {data.room!r}.")
    context.rooms.discard(data.room)
    # Left here even when the engine is unreachable; it forgets the member when this
    # worker's lease runs out.
    with suppress(BrokerUnavailable):
        await hub.leave(data.room, context.connection_id, context.member)
    return Response(state="left", data={"room": data.room})


def register(registry: StateRegistry) -> None:
    registry.add("join", join, Reply("joined", JoinedData))
    registry.add("publish", publish, Reply("published", PublishedData))
    registry.add("leave", leave, Reply("left", LeftData))
