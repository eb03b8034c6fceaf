"""Persisting interactive sessions: a draft from the moment one starts, saved on request."""

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.realtime.models import SessionRecord, SessionStatus


async def latest_draft(db: AsyncSession, user_id: uuid.UUID) -> SessionRecord | None:
    result = await db.execute(
        select(SessionRecord)
        .where(SessionRecord.user_id == user_id, SessionRecord.status == SessionStatus.DRAFT)
        .order_by(SessionRecord.started_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def start_session(
    db: AsyncSession, user_id: uuid.UUID, content: dict[str, Any]
) -> SessionRecord:
    """A new draft; it replaces the user's earlier draft, so a user has at most one."""
    await db.execute(
        delete(SessionRecord).where(
            SessionRecord.user_id == user_id, SessionRecord.status == SessionStatus.DRAFT
        )
    )
    record = SessionRecord(user_id=user_id, content=content)
    db.add(record)
    await db.commit()
    return record


async def save_session(
    db: AsyncSession, session_id: uuid.UUID, content: dict[str, Any]
) -> SessionRecord | None:
    """Merge `content` into the draft and mark it saved; None when the draft is gone."""
    record = await db.get(SessionRecord, session_id)
    if record is None or record.status != SessionStatus.DRAFT:
        return None
    now = datetime.now(UTC)
    record.content = {**record.content, **content}
    record.status = SessionStatus.SAVED
    record.saved_at = now
    record.updated_at = now
    await db.commit()
    return record


class SessionDescription(BaseModel):
    """A session record as the socket describes it (in `initialised` and `save`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: SessionStatus
    content: dict[str, JsonValue]
    started_at: datetime
    updated_at: datetime
    saved_at: datetime | None


def describe(record: SessionRecord) -> SessionDescription:
    return SessionDescription.model_validate(record)
