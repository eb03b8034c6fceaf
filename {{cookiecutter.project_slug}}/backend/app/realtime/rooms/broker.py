"""What a room engine must do; one module per engine implements it.

The broker knows nothing of sockets or members' sends: it sequences and keeps a room's updates,
carries envelopes between the workers that serve a room, and keeps the room's member list.
"""

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass


class BrokerUnavailable(Exception):
    """The engine cannot be reached right now; rooms answer `unavailable` until it is back."""


@dataclass(frozen=True)
class Envelope:
    """What travels between workers for one room.

    An update carries its room sequence number, the epoch of that numbering and its data as
    JSON; anything else (presence, a member put out) carries no number and a whole frame, and is
    not kept in the history.
    """

    room: str
    seq: int | None
    body: str
    # A connection that must not get this envelope (presence news about itself).
    exclude: str | None = None
    # When set, the envelope puts out of the room every member whose id is not in it, and goes
    # to them only.
    keep_only: frozenset[str] | None = None
    # The numbering an update's seq belongs to (the room's epoch when it was numbered).
    epoch: str | None = None


@dataclass(frozen=True)
class History:
    """How much of a room's past the engine keeps: whichever limit is reached first."""

    updates: int
    bytes: int


@dataclass(frozen=True)
class Position:
    """Where a room's numbering stands: the latest update's number (0 before the first), and
    the epoch, which changes whenever the numbering starts over (the engine lost or freed the
    room), so that a member who resumes with `since` can tell."""

    seq: int
    epoch: str


def new_epoch() -> str:
    return secrets.token_hex(6)


# Called for every envelope published to a room this worker subscribes to, in publish order.
Listener = Callable[[Envelope], None]
# Called after the connection to the engine came back, when envelopes may have been missed.
Reconnected = Callable[[], None]


class Broker(ABC):
    def __init__(self, listener: Listener, reconnected: Reconnected, history: History) -> None:
        self.listener = listener
        self.reconnected = reconnected
        self.keeps = history

    async def start(self) -> None:  # noqa: B027 (optional for engines with nothing to start)
        """Get ready; must not fail when the engine is down (it retries on its own)."""

    async def stop(self) -> None:  # noqa: B027
        """Let go of every connection and task."""

    @abstractmethod
    async def subscribe(self, room: str) -> None:
        """From when this returns, every envelope published to `room` reaches the listener."""

    @abstractmethod
    async def unsubscribe(self, room: str) -> None: ...

    @abstractmethod
    async def publish(self, room: str, body: str) -> int:
        """Give an update the room's next sequence number, keep it (within `keeps`), deliver
        it; its number."""

    @abstractmethod
    async def broadcast(self, envelope: Envelope) -> None:
        """Deliver an envelope to the room's subscribers without numbering or keeping it."""

    @abstractmethod
    async def position(self, room: str) -> Position: ...

    @abstractmethod
    async def forget(self, room: str) -> None:
        """Drop the room's numbering, history and members: a room made later under the same
        name starts afresh, in a new epoch, with nothing of this one's past."""

    @abstractmethod
    async def history(self, room: str, since: int) -> list[tuple[int, str]]:
        """The kept updates numbered above `since`, oldest first."""

    @abstractmethod
    async def add_member(self, room: str, connection: str, member: str) -> list[str]:
        """Record a connection in the room; the member JSON of every connection now in it."""

    @abstractmethod
    async def remove_member(self, room: str, connection: str) -> list[str]:
        """Forget a connection; the member JSON of every connection still in the room."""
