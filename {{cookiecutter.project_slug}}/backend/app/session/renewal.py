"""The `token` state: a client renews the socket's authentication before its token expires."""

from app.auth import authenticate_access_token
from app.core.security import InvalidToken
from app.session.context import SessionContext
from app.session.errors import CREDENTIALS_ERROR, ErrorCode, SocketError
from app.session.messages import Response
from app.session.states import Strict, registry


class TokenData(Strict):
    token: str


@registry.state("token")
async def renew_token(context: SessionContext, data: TokenData) -> Response:
    async with context.db() as db:
        try:
            user, claims = await authenticate_access_token(db, data.token)
        except InvalidToken:
            raise SocketError(ErrorCode.UNAUTHORIZED, CREDENTIALS_ERROR) from None
    if user.id != context.member.id:
        raise SocketError(ErrorCode.UNAUTHORIZED, "That token is another user's; log in again.")
    context.token_expires_at = claims.expires_at
    context.sign_in_id = claims.sign_in_id
    return Response(state="token", data={"expires_at": claims.expires_at})
