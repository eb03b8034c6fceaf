import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import User


@dataclass(frozen=True)
class Member:
    """Who is on the other end of a socket, as other people may see them."""

    id: uuid.UUID
    email: str

    @classmethod
    def of(cls, user: User) -> "Member":
        return cls(id=user.id, email=user.email)


@dataclass
class SessionContext:
    """What one authenticated socket knows between requests."""

    member: Member
    token_expires_at: datetime
    db: async_sessionmaker[AsyncSession]
    # The session record started (or resumed from a draft) on this socket.
    session_id: uuid.UUID | None = None
    user_checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
