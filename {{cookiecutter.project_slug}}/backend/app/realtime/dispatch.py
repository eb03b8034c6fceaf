"""The session protocol without the socket: the handshake, and one request in to frames out."""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import authenticate_access_token
from app.core.db import DATABASE_BUSY, database_unavailable
from app.core.security import InvalidToken
from app.realtime import drafts
from app.realtime.context import FrameSink, Member, SessionContext
from app.realtime.protocol import (
    CREDENTIALS_ERROR,
    EXPIRED_TOKEN_MESSAGE,
    INTERNAL_ERROR,
    ErrorCode,
    Request,
    SocketError,
    encode,
    error_message,
    parse_json,
    response_message,
)
from app.realtime.registry import StateRegistry

logger = logging.getLogger(__name__)


class SocketUser(BaseModel):
    """The socket's own user, who may see their address; the others in a room see a member."""

    id: uuid.UUID
    email: str
    name: str


class InitialisedData(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    user: SocketUser
    # The user's unsaved session, when there is one: the socket goes on with it.
    draft: drafts.SessionDescription | None = None


@dataclass
class Outcome:
    """The frames to send for one request, and the code to close with afterwards, if any."""

    frames: list[str] = field(default_factory=list)
    close_code: int | None = None

    @classmethod
    def failure(cls, error: SocketError) -> "Outcome":
        return cls([encode(error_message(error))], error.close_code)


async def authenticate(
    frame: str | bytes, open_db: async_sessionmaker[AsyncSession], outbox: FrameSink
) -> tuple[SessionContext, str]:
    """Check the first frame's token: the socket's context and its `initialised` frame."""
    try:
        payload = parse_json(frame)
    except SocketError:
        payload = None
    token = payload.get("token") if isinstance(payload, dict) else None
    if not isinstance(token, str):
        raise SocketError(ErrorCode.UNAUTHORIZED, CREDENTIALS_ERROR)
    try:
        async with open_db() as db:
            user, claims = await authenticate_access_token(db, token)
            draft = await drafts.latest_draft(db, user.id)
    except InvalidToken:
        raise SocketError(ErrorCode.UNAUTHORIZED, CREDENTIALS_ERROR) from None
    except Exception as error:
        if not database_unavailable(error):
            raise
        logger.warning("A handshake: the database did not answer (%s)", type(error).__name__)
        raise SocketError(ErrorCode.UNAVAILABLE, DATABASE_BUSY) from None
    member = Member.of(user)
    context = SessionContext(
        member=member,
        token_expires_at=claims.expires_at,
        sign_in_id=claims.sign_in_id,
        open_db=open_db,
        outbox=outbox,
        session_id=draft.id if draft else None,
    )
    data = InitialisedData(user=SocketUser(id=user.id, email=user.email, name=member.name))
    if draft is not None:
        data.draft = drafts.describe(draft)
    return context, encode({"state": "initialised", "data": data.model_dump(exclude_unset=True)})


def ensure_authorized(context: SessionContext) -> None:
    """No request is served on an expired token (between two of the watcher's rounds, too)."""
    if datetime.now(UTC) >= context.token_expires_at:
        raise SocketError(ErrorCode.UNAUTHORIZED, EXPIRED_TOKEN_MESSAGE)


async def handle_request(
    registry: StateRegistry, context: SessionContext, request: Request
) -> Outcome:
    try:
        ensure_authorized(context)
        response = await registry.dispatch(context, request)
        frames = [encode(response_message(response, request.id)), *response.followed_by]
        return Outcome(frames, response.close_code)
    except SocketError as error:
        error.request_id = request.id
        return Outcome.failure(error)
    except Exception as error:
        if database_unavailable(error):
            reason = type(error).__name__
            logger.warning("State %r: the database did not answer (%s)", request.state, reason)
            return Outcome.failure(SocketError(ErrorCode.UNAVAILABLE, DATABASE_BUSY, request.id))
        logger.exception("Unhandled error while serving socket state %r", request.state)
        return Outcome.failure(SocketError(ErrorCode.INTERNAL, INTERNAL_ERROR, request.id))
