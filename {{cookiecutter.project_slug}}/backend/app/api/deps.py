from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import authenticate_access_token
from app.core.config import settings
from app.core.db import get_db
from app.core.security import InvalidToken
from app.models import User

SessionDep = Annotated[AsyncSession, Depends(get_db)]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{settings.API_V1_STR}/login/oauth")
TokenDep = Annotated[str, Depends(oauth2_scheme)]

CREDENTIALS_ERROR = "Could not validate credentials."


async def get_current_user(db: SessionDep, token: TokenDep) -> User:
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
