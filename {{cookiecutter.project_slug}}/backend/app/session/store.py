"""Persisting interactive sessions: a draft from the moment one starts, saved on request."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import SessionRecord, SessionStatus


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


def describe(record: SessionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "status": record.status,
        "content": record.content,
        "started_at": record.started_at,
        "updated_at": record.updated_at,
        "saved_at": record.saved_at,
    }
