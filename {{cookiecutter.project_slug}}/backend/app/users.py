"""Reading and writing users."""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.passwords import MAX_LENGTH
from app.core.security import hash_password, password_hash, verify_password
from app.models import User
from app.schemas import UserCreate, UserUpdate, UserUpdateMe

# Verifying against a real hash when the email is unknown keeps login time the same either way.
_DUMMY_HASH = password_hash.hash("not a real password")


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await db.get(User, user_id)


async def get_user_by_email(db: AsyncSession, email: str) -> User | None:
    result = await db.execute(select(User).where(User.email == email.lower()))
    return result.scalar_one_or_none()


async def list_users(db: AsyncSession, skip: int, limit: int) -> tuple[list[User], int]:
    count = await db.scalar(select(func.count()).select_from(User))
    result = await db.execute(select(User).order_by(User.created_at).offset(skip).limit(limit))
    return list(result.scalars()), count or 0


async def count_active_superusers(db: AsyncSession, excluding: uuid.UUID) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(User)
        .where(User.is_superuser.is_(True), User.is_active.is_(True), User.id != excluding)
    )
    return count or 0


async def create_user(db: AsyncSession, user_in: UserCreate) -> User:
    user = User(
        email=user_in.email.lower(),
        full_name=user_in.full_name,
        hashed_password=await hash_password(user_in.password),
        is_active=user_in.is_active,
        is_superuser=user_in.is_superuser,
    )
    db.add(user)
    await db.commit()
    await db.refresh(user)
    return user


class AddressTaken(Exception):
    pass


async def move_to_address(db: AsyncSession, user: User, email: str, *, verified: bool) -> None:
    """Give the user a new address; AddressTaken when another account has it."""
    user.email = email.lower()
    user.email_verified = verified
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise AddressTaken from None


async def update_user(db: AsyncSession, user: User, user_in: UserUpdate | UserUpdateMe) -> User:
    # None clears a full name; for any other field it means "leave as it is".
    changes: dict[str, Any] = {
        name: value
        for name, value in user_in.model_dump(exclude_unset=True).items()
        if value is not None or name == "full_name"
    }
    if password := changes.pop("password", None):
        user.hashed_password = await hash_password(password)
    if (email := changes.pop("email", None)) and email.lower() != user.email:
        # A new address is unproven until mail sent to it is read.
        await move_to_address(db, user, email, verified=False)
    for name, value in changes.items():
        setattr(user, name, value)
    await db.commit()
    await db.refresh(user)
    return user


async def authenticate(db: AsyncSession, email: str, password: str) -> User | None:
    if len(password) > MAX_LENGTH or "\x00" in email:
        return None  # no password is that long, and no address holds a NUL: nothing to check
    user = await get_user_by_email(db, email)
    # The connection goes back to the pool while the password is checked (see deps.release).
    await db.commit()
    if user is None:
        await verify_password(password, _DUMMY_HASH)
        return None
    return user if await verify_password(password, user.hashed_password) else None
