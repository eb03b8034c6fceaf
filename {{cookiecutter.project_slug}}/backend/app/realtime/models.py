"""The session socket's tables: the session records, and the rooms with who is let in.

They live in the app's one metadata (app.models.Base), beside the users they point to.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SQLEnum
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, User, utcnow


def display_name(user: User) -> str:
    """How other people see a user (in rooms): never the email address."""
    return user.full_name or f"Member {user.id.hex[:8]}"


class SessionStatus(StrEnum):
    DRAFT = "draft"
    SAVED = "saved"


def _enum_values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class SessionRecord(Base):
    """What a user's interactive session holds; a draft until the user saves it."""

    __tablename__ = "session_records"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SessionStatus] = mapped_column(
        SQLEnum(SessionStatus, native_enum=False, length=16, values_callable=_enum_values),
        default=SessionStatus.DRAFT,
    )
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(default=None)


class Room(Base):
    """A room of the multi-user sessions: its owner, and whether every signed-in user may join.

    Only the access rules live here; a room's updates live in the rooms' engine.
    """

    __tablename__ = "rooms"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomMember(Base):
    """Someone the owner let into a private room."""

    __tablename__ = "room_members"

    room_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
