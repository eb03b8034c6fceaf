import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from app import users
from app.api.deps import CurrentUser, SessionDep, SuperUser
from app.core.security import hash_password, verify_password
from app.models import User
from app.schemas import (
    Message,
    PasswordChange,
    UserCreate,
    UserPublic,
    UsersPublic,
    UserUpdate,
    UserUpdateMe,
)

router = APIRouter(prefix="/users", tags=["users"])

EMAIL_TAKEN = "A user with this email already exists."


async def _ensure_email_free(db: SessionDep, email: str | None, owner: User | None = None) -> None:
    if email is None:
        return
    existing = await users.get_user_by_email(db, email)
    if existing is not None and existing is not owner:
        raise HTTPException(status.HTTP_409_CONFLICT, EMAIL_TAKEN)


async def _user_or_404(db: SessionDep, user_id: uuid.UUID) -> User:
    user = await users.get_user(db, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found.")
    return user


@router.get("/me")
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/me")
async def update_me(db: SessionDep, user: CurrentUser, user_in: UserUpdateMe) -> UserPublic:
    await _ensure_email_free(db, user_in.email, owner=user)
    return UserPublic.model_validate(await users.update_user(db, user, user_in))


@router.patch("/me/password")
async def change_my_password(db: SessionDep, user: CurrentUser, body: PasswordChange) -> Message:
    if not await verify_password(body.current_password, user.hashed_password):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Incorrect password.")
    user.hashed_password = await hash_password(body.new_password)
    await db.commit()
    return Message(message="Password updated.")


@router.get("")
async def list_users(
    db: SessionDep,
    _: SuperUser,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> UsersPublic:
    found, count = await users.list_users(db, skip=skip, limit=limit)
    return UsersPublic(data=[UserPublic.model_validate(user) for user in found], count=count)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_user(db: SessionDep, _: SuperUser, user_in: UserCreate) -> UserPublic:
    await _ensure_email_free(db, user_in.email)
    return UserPublic.model_validate(await users.create_user(db, user_in))


@router.get("/{user_id}")
async def read_user(db: SessionDep, current: CurrentUser, user_id: uuid.UUID) -> UserPublic:
    if user_id != current.id and not current.is_superuser:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The user doesn't have enough privileges.")
    return UserPublic.model_validate(await _user_or_404(db, user_id))


@router.patch("/{user_id}")
async def update_user(
    db: SessionDep, _: SuperUser, user_id: uuid.UUID, user_in: UserUpdate
) -> UserPublic:
    user = await _user_or_404(db, user_id)
    await _ensure_email_free(db, user_in.email, owner=user)
    return UserPublic.model_validate(await users.update_user(db, user, user_in))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(db: SessionDep, current: SuperUser, user_id: uuid.UUID) -> None:
    if user_id == current.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Superusers cannot delete themselves.")
    await db.delete(await _user_or_404(db, user_id))
    await db.commit()
