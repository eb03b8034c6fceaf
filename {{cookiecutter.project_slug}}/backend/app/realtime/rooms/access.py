"""Who may be in which room: its owner, the people the owner let in, and everyone signed in when
the room is public. The rules a product changes are `may_join` and `may_publish`."""

import uuid

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User
from app.realtime.context import Member
from app.realtime.models import Room, RoomMember


async def find(db: AsyncSession, name: str) -> Room | None:
    return (await db.execute(select(Room).where(Room.name == name))).scalar_one_or_none()


async def may_join(db: AsyncSession, member: Member, room: Room) -> bool:
    """Whether `member` may be in `room`: checked on every join, over HTTP and the socket."""
    if room.is_public or room.owner_id == member.id:
        return True
    invited = exists().where(RoomMember.room_id == room.id, RoomMember.user_id == member.id)
    return bool(await db.scalar(select(invited)))


async def may_publish(member: Member, room: str) -> bool:
    """Whether a member who is in `room` may send updates to it: everyone in it, until you
    decide otherwise (read-only members, say). Called on every publish; keep it quick."""
    return True


async def visible_rooms(
    db: AsyncSession, user_id: uuid.UUID, skip: int, limit: int
) -> tuple[list[tuple[Room, User]], int]:
    """The rooms the user may join with their owners, newest first, and how many there are."""
    visible = or_(
        Room.is_public.is_(True),
        Room.owner_id == user_id,
        Room.id.in_(select(RoomMember.room_id).where(RoomMember.user_id == user_id)),
    )
    count = await db.scalar(select(func.count()).select_from(Room).where(visible))
    found = await db.execute(
        select(Room, User)
        .join(User, Room.owner_id == User.id)
        .where(visible)
        .order_by(Room.created_at.desc(), Room.name)
        .offset(skip)
        .limit(limit)
    )
    return [(room, owner) for room, owner in found.tuples()], count or 0


async def owned(db: AsyncSession, user_id: uuid.UUID) -> int:
    count = await db.scalar(select(func.count()).select_from(Room).where(Room.owner_id == user_id))
    return count or 0


async def members(db: AsyncSession, room: Room) -> list[User]:
    found = await db.execute(
        select(User)
        .join(RoomMember, RoomMember.user_id == User.id)
        .where(RoomMember.room_id == room.id)
        .order_by(RoomMember.added_at)
    )
    return list(found.scalars())


async def allowed(db: AsyncSession, room: Room) -> frozenset[uuid.UUID] | None:
    """Who may stay in the room now: None when everyone may (a public room)."""
    if room.is_public:
        return None
    found = await db.scalars(select(RoomMember.user_id).where(RoomMember.room_id == room.id))
    return frozenset({room.owner_id, *found})
