"""The `token` state: a client renews the socket's authentication before its token expires."""

from datetime import datetime

from pydantic import BaseModel

from app.auth import authenticate_access_token
from app.core.security import InvalidToken
from app.realtime.context import SessionContext
from app.realtime.protocol import CREDENTIALS_ERROR, ErrorCode, Response, SocketError
from app.realtime.registry import Reply, StateRegistry
from app.realtime.states import Strict


class TokenData(Strict):
    token: str


class Renewed(BaseModel):
    expires_at: datetime


async def renew_token(context: SessionContext, data: TokenData) -> Response:
    async with context.open_db() as db:
        try:
            user, claims = await authenticate_access_token(db, data.token)
        except InvalidToken:
            raise SocketError(ErrorCode.UNAUTHORIZED, CREDENTIALS_ERROR) from None
    if user.id != context.member.id:
        raise SocketError(ErrorCode.UNAUTHORIZED, "That token is another user's; log in again.")
    context.token_expires_at = claims.expires_at
    context.sign_in_id = claims.sign_in_id
    return Response(state="token", data=Renewed(expires_at=claims.expires_at))


def register(registry: StateRegistry) -> None:
    registry.add("token", renew_token, Reply("token", Renewed))
