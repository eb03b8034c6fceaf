import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import User
from app.realtime.models import display_name


@dataclass(frozen=True)
class Member:
    """Who is on the other end of a socket, as other people may see them."""

    id: uuid.UUID
    name: str

    @classmethod
    def of(cls, user: User) -> "Member":
        return cls(id=user.id, name=display_name(user))


class FrameSink(Protocol):
    """Where frames for one socket go; sending never waits on the client."""

    def send(self, frame: str, *, requested: bool = False) -> None: ...

    def close(self, code: int, reason: str = "") -> None: ...


@dataclass
class SessionContext:
    """What one authenticated socket knows between requests."""

    member: Member
    token_expires_at: datetime
    # The sign-in its token belongs to: when that ends, the socket ends.
    sign_in_id: uuid.UUID
    open_db: async_sessionmaker[AsyncSession]
    # Frames sent here reach this socket after whatever was queued before them.
    outbox: FrameSink
    connection_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The session record started (or resumed from a draft) on this socket.
    session_id: uuid.UUID | None = None
    # The rooms this socket has joined.
    rooms: set[str] = field(default_factory=set)
    # Run when the socket is gone, whatever the reason (leaving rooms, for one); by name.
    cleanups: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
