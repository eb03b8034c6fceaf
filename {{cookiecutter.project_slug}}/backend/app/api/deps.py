from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app import throttle
from app.auth import authenticate_access_token
from app.core.config import settings
from app.core.db import get_db
from app.core.security import InvalidToken, password_check_turn, verify_password
from app.models import User

DatabaseDep = Annotated[AsyncSession, Depends(get_db)]
# Where a password is exchanged for tokens (app/api/routes/login.py).
LOGIN_URL = f"{settings.API_V1_STR}/login/oauth"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=LOGIN_URL)
TokenDep = Annotated[str, Depends(oauth2_scheme)]
# Paging: past this skip, paging is no longer paging (and the databases' own limits are near).
Skip = Annotated[int, Query(ge=0, le=2**31 - 1)]
Limit = Annotated[int, Query(ge=1, le=100)]

CREDENTIALS_ERROR = "Could not validate credentials."
WRONG_PASSWORD = "Incorrect password."  # noqa: S105 (a message, not a password)


async def get_current_user(db: DatabaseDep, token: TokenDep) -> User:
    try:
        user, _ = await authenticate_access_token(db, token)
    except InvalidToken:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=CREDENTIALS_ERROR,
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The user doesn't have enough privileges.")
    return user


SuperUser = Annotated[User, Depends(get_current_superuser)]


def client_address(request: Request) -> str | None:
    """The client's IP address (the proxy's X-Forwarded-For, when uvicorn trusts the proxy)."""
    return request.client.host if request.client else None


async def release(db: AsyncSession) -> None:
    """End the request's transaction, so that its connection goes back to the pool before a
    wait that is no database call (counting an attempt, hashing a password): held across
    those, a flood of requests would take every connection and stall each other."""
    await db.commit()


async def confirm_password(db: AsyncSession, request: Request, user: User, password: str) -> None:
    """The user's password, asked again before a change that could take the account over;
    a guess here counts with the login's (app.throttle)."""
    async with password_check_turn():
        await release(db)
        attempt = throttle.Keys.of("password", user.email, client_address(request))
        await throttle.attempt(attempt)
        if not await verify_password(password, user.hashed_password):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, WRONG_PASSWORD)
        await throttle.succeeded(attempt)
