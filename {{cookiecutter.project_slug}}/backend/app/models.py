import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    # True once the user has shown they read mail sent to `email`.
    email_verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignIn(Base):
    """One sign-in of a user on one device, from the password (or link) to its end.

    Every token names it (`sid`): logging out, or any event that ends all of a user's sign-ins,
    sets `ended_at`, and from then on no token of it is taken, by any route.
    Refreshing never takes it past `expires_at`.
    """

    __tablename__ = "sign_ins"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when every step of the way in is done (at once, but for one more step such as a code);
    # no token of it is taken before.
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class RefreshToken(Base):
    """One issued refresh token; rotation revokes it and issues the next."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sign_in_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sign_ins.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the token was spent on a refresh: presenting it again means it was copied.
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class EmailToken(Base):
    """A link sent by mail: single use and short-lived; only its hash is stored."""

    __tablename__ = "email_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's address when the link was asked for; the link is void once it changes.
    email: Mapped[str] = mapped_column(String(320))
    # For an address change: the new address, which the link went to.
    new_email: Mapped[str | None] = mapped_column(String(320), default=None)
    # For a link bound to the browser that asked: the hash of that browser's claim.
    claim_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)

{%- if cookiecutter.realtime_broker != "redis" %}


class AttemptCounter(Base):
    """Attempts counted against one key (an account, a client address), for app.throttle."""

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    count: Mapped[int]
    # No attempt is taken before this; the count is forgotten after `expires_at`.
    blocked_until: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
{%- endif %}
