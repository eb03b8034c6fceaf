"""Rooms in one process: nothing to install, nothing shared with other workers."""

from collections import deque

from app.rooms.broker import Broker, Envelope, Listener, Reconnected


class MemoryBroker(Broker):
    def __init__(self, listener: Listener, reconnected: Reconnected, history_size: int) -> None:
        super().__init__(listener, reconnected, history_size)
        self._subscribed: set[str] = set()
        self._seq: dict[str, int] = {}
        self._history: dict[str, deque[tuple[int, str]]] = {}
        self._members: dict[str, dict[str, str]] = {}

    async def subscribe(self, room: str) -> None:
        self._subscribed.add(room)

    async def unsubscribe(self, room: str) -> None:
        self._subscribed.discard(room)

    async def publish(self, room: str, body: str) -> int:
        seq = self._seq.get(room, 0) + 1
        self._seq[room] = seq
        history = self._history.setdefault(room, deque(maxlen=self.history_size))
        history.append((seq, body))
        await self.broadcast(Envelope(room, seq, body))
        return seq

    async def broadcast(self, envelope: Envelope) -> None:
        if envelope.room in self._subscribed:
            self.listener(envelope)

    async def last_seq(self, room: str) -> int:
        return self._seq.get(room, 0)

    async def history(self, room: str, since: int) -> list[tuple[int, str]]:
        return [(seq, body) for seq, body in self._history.get(room, ()) if seq > since]

    async def add_member(self, room: str, connection: str, member: str) -> list[str]:
        members = self._members.setdefault(room, {})
        members[connection] = member
        return list(members.values())

    async def remove_member(self, room: str, connection: str) -> list[str]:
        members = self._members.get(room, {})
        members.pop(connection, None)
        if not members:
            self._members.pop(room, None)
        return list(members.values())
