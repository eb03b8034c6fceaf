"""One worker's side of the rooms: who is in which room here, and delivering to them in order."""

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, JsonValue

from app.realtime.context import FrameSink, Member
from app.realtime.protocol import encode
from app.realtime.rooms.broker import Broker, BrokerUnavailable, Envelope, History

logger = logging.getLogger(__name__)


def update_frame(seq: int, epoch: str, body: str) -> str:
    """The `update` frame for a kept update: its data is the body with `seq` and `epoch` added."""
    numbering = '{"seq":' + str(seq) + ',"epoch":' + json.dumps(epoch) + ","
    return '{"state":"update","data":' + numbering + body[1:] + "}"


class MemberView(BaseModel):
    """A member as the others in a room see them: never their address."""

    id: uuid.UUID
    name: str


class UpdateData(BaseModel):
    """An update, as every member gets it (`update_frame`), in the order of `seq`. `epoch` is
    the numbering `seq` belongs to, as `joined` gives it: when it changes, the room's numbering
    started over (the engine lost the room) and the numbers seen so far mean nothing."""

    seq: int
    epoch: str
    room: str
    sender: MemberView
    payload: dict[str, JsonValue]


class PresenceData(BaseModel):
    room: str
    event: Literal["joined", "left"]
    member: MemberView


class PutOutData(BaseModel):
    """Sent unasked, as `left`, to whoever the room's owner took out or whose room is gone."""

    room: str
    reason: Literal["removed", "deleted"]


class RoomsFull(Exception):
    """This worker serves as many rooms as it may; a join into one more waits for a free place."""


def _nothing() -> None:
    pass


@dataclass
class Subscriber:
    connection: str
    member: Member
    sink: FrameSink
    # Called when the member is put out of the room (removed by its owner, the room deleted).
    put_out: Callable[[], None] = _nothing
    # Frames that arrive while the member is joining; sent once the join's replay is.
    pending: list[tuple[int, str]] | None = None

    def deliver(self, seq: int, frame: str) -> None:
        if self.pending is not None:
            self.pending.append((seq, frame))
        else:
            self.sink.send(frame)


@dataclass
class LocalRoom:
    name: str
    epoch: str = ""
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    # Every update up to this number has been delivered (or was before anyone here joined).
    last_seq: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    failed: bool = False
    # Updates that came in while a gap in the numbers is being filled from the history.
    backlog: list[tuple[int, str]] | None = None
    # The engine's connection came back while the history was being read: read it again, since
    # what was published before the connection did may not be in what was read.
    stale: bool = False


@dataclass(frozen=True)
class Joined:
    seq: int
    epoch: str
    members: list[dict[str, Any]]
    replay: list[str]
    history_complete: bool


def unique_members(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each person once, however many sockets they have in the room."""
    seen: dict[str, dict[str, Any]] = {}
    for member in members:
        seen.setdefault(member["id"], member)
    return list(seen.values())


class RoomHub:
    def __init__(self, broker_factory: Any, history: History, most_rooms: int) -> None:
        self.broker: Broker = broker_factory(self._receive, self._resync, history)
        self.most_rooms = most_rooms
        self.rooms: dict[str, LocalRoom] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.broker.stop()
        self.rooms.clear()

    # Joining and leaving

    async def join(
        self, name: str, subscriber: Subscriber, since: int | None, epoch: str | None = None
    ) -> Joined:
        """Add a member; with `since`, replay what came after it, unless `epoch` is not the
        room's (its numbering started over since then)."""
        room = self.rooms.get(name)
        if room is None:
            if len(self.rooms) >= self.most_rooms:
                raise RoomsFull(name)
            room = self.rooms[name] = LocalRoom(name)
            try:
                await self.broker.subscribe(name)
                position = await self.broker.position(name)
                room.last_seq, room.epoch = position.seq, position.epoch
            except BaseException:
                room.failed = True
                del self.rooms[name]
                raise
            finally:
                room.ready.set()
        await room.ready.wait()
        if room.failed:
            raise BrokerUnavailable(f"could not subscribe to room {name}")
        subscriber.pending = []
        room.subscribers[subscriber.connection] = subscriber
        # Whatever is numbered above `joined_at` reaches `pending` from here on.
        joined_at = room.last_seq
        try:
            members = await self.broker.add_member(
                name, subscriber.connection, encode(subscriber.member)
            )
            replay: list[tuple[int, str]] = []
            history_complete = epoch is None or epoch == room.epoch
            if since is not None and since < joined_at and history_complete:
                replay = [
                    (seq, body)
                    for seq, body in await self.broker.history(name, since)
                    if seq <= joined_at
                ]
                history_complete = bool(replay) and replay[0][0] == since + 1
            # Parsed once: a join into a big room reads every member.
            decoded = [json.loads(entry) for entry in members]
            mine = sum(1 for entry in decoded if entry["id"] == str(subscriber.member.id))
            if mine == 1:  # the person's first socket in the room
                await self._announce(name, subscriber.connection, subscriber.member, "joined")
        except BaseException:
            await self._forget(name, subscriber.connection)
            raise
        # From here to the `joined` reply being queued nothing waits, so no live update can
        # reach the member ahead of its reply and replay.
        frames = [update_frame(seq, room.epoch, body) for seq, body in replay]
        frames += [frame for seq, frame in subscriber.pending if seq > joined_at]
        subscriber.pending = None
        return Joined(joined_at, room.epoch, unique_members(decoded), frames, history_complete)

    async def leave(self, name: str, connection: str, member: Member) -> None:
        await self._forget(name, connection)
        members = await self.broker.remove_member(name, connection)
        if not any(json.loads(entry)["id"] == str(member.id) for entry in members):
            await self._announce(name, connection, member, "left")

    async def _forget(self, name: str, connection: str) -> None:
        room = self.rooms.get(name)
        if room is None:
            return
        room.subscribers.pop(connection, None)
        if not room.subscribers:
            del self.rooms[name]
            await self.broker.unsubscribe(name)

    async def _announce(
        self, name: str, connection: str, member: Member, event: Literal["joined", "left"]
    ) -> None:
        seen_as = MemberView(id=member.id, name=member.name)
        data = PresenceData(room=name, event=event, member=seen_as)
        frame = encode({"state": "presence", "data": data})
        await self.broker.broadcast(Envelope(name, None, frame, exclude=connection))

    async def put_out(
        self, name: str, keep_only: frozenset[str], reason: Literal["removed", "deleted"]
    ) -> None:
        """Put every member whose id is not in `keep_only` out of the room, on every worker."""
        frame = encode({"state": "left", "data": PutOutData(room=name, reason=reason)})
        await self.broker.broadcast(Envelope(name, None, frame, keep_only=keep_only))

    async def delete(self, name: str) -> None:
        """Put everyone out of the room, and forget its past."""
        await self.put_out(name, frozenset(), "deleted")
        await self.broker.forget(name)

    def _put_out(self, room: LocalRoom, envelope: Envelope) -> None:
        keep = envelope.keep_only or frozenset()
        for connection, subscriber in list(room.subscribers.items()):
            if str(subscriber.member.id) not in keep:
                # Gone from here at once: no update reaches them after their `left`.
                del room.subscribers[connection]
                subscriber.sink.send(envelope.body)
                subscriber.put_out()
                self._spawn(self._leave_quietly(room.name, connection, subscriber.member))

    async def _leave_quietly(self, name: str, connection: str, member: Member) -> None:
        try:
            await self.leave(name, connection, member)
        except BrokerUnavailable:
            logger.warning("Could not take a member out of room %s; its lease will", name)

    # Publishing

    async def publish(self, name: str, sender: Member, payload: dict[str, Any]) -> int:
        body = encode({"room": name, "sender": sender, "payload": payload})
        return await self.broker.publish(name, body)

    # Delivering what the broker brings, in order and without gaps

    def _receive(self, envelope: Envelope) -> None:
        room = self.rooms.get(envelope.room)
        if room is None:
            return
        if envelope.keep_only is not None:
            self._put_out(room, envelope)
            return
        if envelope.seq is None:
            for connection, subscriber in list(room.subscribers.items()):
                if connection != envelope.exclude:
                    subscriber.sink.send(envelope.body)
            return
        if envelope.epoch != room.epoch:
            # The engine lost the room and numbers it anew (a restart without its data, say):
            # what is waiting belongs to the old numbering; the new one starts from 0.
            room.epoch, room.last_seq = envelope.epoch or "", 0
            if room.backlog is not None:
                room.backlog, room.stale = [], True
        if room.backlog is not None:
            room.backlog.append((envelope.seq, envelope.body))
        elif envelope.seq == room.last_seq + 1:
            self._deliver(room, envelope.seq, envelope.body)
        elif envelope.seq > room.last_seq + 1:
            # Some updates never arrived (the engine's connection dropped): fetch them first.
            room.backlog = [(envelope.seq, envelope.body)]
            self._spawn(self._fill_gap(room))

    def _deliver(self, room: LocalRoom, seq: int, body: str) -> None:
        frame = update_frame(seq, room.epoch, body)
        room.last_seq = seq
        for subscriber in list(room.subscribers.values()):
            subscriber.deliver(seq, frame)

    async def _fill_gap(self, room: LocalRoom) -> None:
        delay = 0.1
        while True:
            room.stale = False
            try:
                missing = await self.broker.history(room.name, room.last_seq)
            except Exception:
                logger.warning("Could not fetch room %s's history; retrying", room.name)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if not room.stale:
                break
        backlog, room.backlog = room.backlog or [], None
        for seq, body in sorted({*missing, *backlog}):
            if seq == room.last_seq + 1:
                self._deliver(room, seq, body)
            elif seq > room.last_seq + 1:
                logger.warning(
                    "Room %s: updates %d to %d are gone", room.name, room.last_seq + 1, seq - 1
                )
                self._deliver(room, seq, body)

    def _resync(self) -> None:
        """After a reconnect, catch every room up with what was published meanwhile."""
        for room in self.rooms.values():
            if room.backlog is None:
                room.backlog = []
                self._spawn(self._fill_gap(room))
            else:
                room.stale = True

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
