"""Rooms in one process: nothing to install, nothing shared with other workers.

A room's updates are kept while anyone is in it and for `freed_after` seconds after the last
member left; then they are freed, and the room's numbering starts over in a new epoch.
"""

import asyncio
from collections import deque
from dataclasses import dataclass, field

from app.core.config import settings
from app.realtime.rooms.broker import (
    Broker,
    Envelope,
    History,
    Listener,
    Position,
    Reconnected,
    new_epoch,
)


@dataclass
class _Kept:
    epoch: str = field(default_factory=new_epoch)
    seq: int = 0
    updates: deque[tuple[int, str]] = field(default_factory=deque)
    bytes: int = 0
    members: dict[str, str] = field(default_factory=dict)
    freeing: asyncio.TimerHandle | None = None


class MemoryBroker(Broker):
    def __init__(
        self,
        listener: Listener,
        reconnected: Reconnected,
        history: History,
        freed_after: float | None = None,
    ) -> None:
        super().__init__(listener, reconnected, history)
        self.freed_after = settings.WS_ROOM_FREED_AFTER if freed_after is None else freed_after
        self._subscribed: set[str] = set()
        self._rooms: dict[str, _Kept] = {}

    async def stop(self) -> None:
        for kept in self._rooms.values():
            if kept.freeing is not None:
                kept.freeing.cancel()
        self._rooms.clear()

    def _room(self, room: str) -> _Kept:
        kept = self._rooms.get(room)
        if kept is None:
            kept = self._rooms[room] = _Kept()
            self._free_later(room, kept)  # unless someone joins before then
        return kept

    def _free_later(self, room: str, kept: _Kept) -> None:
        if kept.freeing is not None:
            kept.freeing.cancel()
        kept.freeing = asyncio.get_running_loop().call_later(self.freed_after, self._free, room)

    def _free(self, room: str) -> None:
        kept = self._rooms.get(room)
        if kept is not None and not kept.members:
            del self._rooms[room]

    async def forget(self, room: str) -> None:
        kept = self._rooms.pop(room, None)
        if kept is not None and kept.freeing is not None:
            kept.freeing.cancel()

    def kept_rooms(self) -> int:
        return len(self._rooms)

    async def subscribe(self, room: str) -> None:
        self._subscribed.add(room)

    async def unsubscribe(self, room: str) -> None:
        self._subscribed.discard(room)

    async def publish(self, room: str, body: str) -> int:
        kept = self._room(room)
        kept.seq += 1
        kept.updates.append((kept.seq, body))
        kept.bytes += len(body)
        while len(kept.updates) > 1 and (
            len(kept.updates) > self.keeps.updates or kept.bytes > self.keeps.bytes
        ):
            kept.bytes -= len(kept.updates.popleft()[1])
        await self.broadcast(Envelope(room, kept.seq, body, epoch=kept.epoch))
        return kept.seq

    async def broadcast(self, envelope: Envelope) -> None:
        if envelope.room in self._subscribed:
            self.listener(envelope)

    async def position(self, room: str) -> Position:
        kept = self._room(room)
        return Position(kept.seq, kept.epoch)

    async def history(self, room: str, since: int) -> list[tuple[int, str]]:
        kept = self._rooms.get(room)
        return [(seq, body) for seq, body in kept.updates if seq > since] if kept else []

    async def add_member(self, room: str, connection: str, member: str) -> list[str]:
        kept = self._room(room)
        if kept.freeing is not None:
            kept.freeing.cancel()
            kept.freeing = None
        kept.members[connection] = member
        return list(kept.members.values())

    async def remove_member(self, room: str, connection: str) -> list[str]:
        kept = self._rooms.get(room)
        if kept is None:
            return []
        kept.members.pop(connection, None)
        if not kept.members:
            self._free_later(room, kept)
        return list(kept.members.values())
