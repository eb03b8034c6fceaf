"""Rooms as things people own: create one, let people in, open it to everyone, delete it.

What happens inside a room (joining, updates, presence) is on the session socket; these routes
keep who may be there, and put out of a room, on every worker, whoever may no longer be."""

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy.exc import IntegrityError

from app import users
from app.api.deps import CurrentUser, DatabaseDep, Limit, Skip
from app.api.responses import errors
from app.core.config import settings
from app.models import User
from app.realtime.context import Member
from app.realtime.models import Room, RoomMember, display_name
from app.realtime.rooms import access
from app.realtime.rooms.broker import BrokerUnavailable
from app.realtime.rooms.runtime import hub
from app.realtime.rooms.schemas import (
    ROOM_NAME_PATTERN,
    Person,
    RoomCreate,
    RoomDetail,
    RoomInvitation,
    RoomPublic,
    RoomsPublic,
    RoomUpdate,
)

router = APIRouter(prefix="/rooms", tags=["rooms"])
logger = logging.getLogger(__name__)

RoomName = Annotated[str, Path(pattern=ROOM_NAME_PATTERN)]
# A room that does not exist and one you may not join get the same answer.
NOT_FOUND = "No such room, or not one you may join."
OWNER_ONLY = "Only the room's owner may do this."
NAME_TAKEN = "A room with this name already exists."
NO_ACCOUNT = "No active account has this address."
OWNER_STAYS = "The owner stays in the room; delete the room instead."

# OpenAPI links: where a new room's values, and a person's let in, go next. Written out because a
# link inferred from the schemas (Schemathesis infers them) takes a person's `name` for the room's.
_MEMBER_PATH = settings.API_V1_STR + "/rooms/{name}/members/{user_id}"
_TAKE_OUT = {"operationRef": "#/paths/" + _MEMBER_PATH.replace("/", "~1") + "/delete"}
NEW_ROOM_LINKS = {
    "takeOutTheOwner": {
        **_TAKE_OUT,
        "parameters": {"name": "$response.body#/name", "user_id": "$response.body#/owner/id"},
    }
}
LET_IN_LINKS = {
    "takeThemOut": {
        **_TAKE_OUT,
        "parameters": {"name": "$request.path.name", "user_id": "$response.body#/id"},
    }
}


def _person(user: User) -> Person:
    return Person(id=user.id, name=display_name(user))


def _public(room: Room, owner: User, asking: User) -> RoomPublic:
    return RoomPublic(
        name=room.name,
        is_public=room.is_public,
        owner=_person(owner),
        is_owner=owner.id == asking.id,
        created_at=room.created_at,
    )


async def _joinable(db: DatabaseDep, user: User, name: str) -> Room:
    room = await access.find(db, name)
    if room is None or not await access.may_join(db, Member.of(user), room):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return room


async def _owned(db: DatabaseDep, user: User, name: str) -> Room:
    room = await _joinable(db, user, name)
    if room.owner_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OWNER_ONLY)
    return room


async def _put_out(name: str, keep_only: frozenset[uuid.UUID] | None) -> None:
    """Put whoever may no longer be in the room out of it (nobody, when `keep_only` is None)."""
    if keep_only is None:
        return
    try:
        await hub.put_out(name, frozenset(str(user_id) for user_id in keep_only), "removed")
    except BrokerUnavailable:
        # The change is kept: those still in the room are refused when they next join.
        logger.warning("Could not put members out of room %s: the rooms' engine is down", name)


@router.get("", responses=errors(401))
async def list_rooms(
    db: DatabaseDep,
    user: CurrentUser,
    skip: Skip = 0,
    limit: Limit = 100,
) -> RoomsPublic:
    """The rooms you may join: yours, those you were let into, and the public ones."""
    found, count = await access.visible_rooms(db, user.id, skip, limit)
    return RoomsPublic(data=[_public(room, owner, user) for room, owner in found], count=count)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**errors(400, 401, 403, 409), 201: {"links": NEW_ROOM_LINKS}},
)
async def create_room(db: DatabaseDep, user: CurrentUser, body: RoomCreate) -> RoomPublic:
    if await access.owned(db, user.id) >= settings.ROOMS_PER_USER:
        detail = f"You own {settings.ROOMS_PER_USER} rooms, the most one may; delete one first."
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail)
    if await access.find(db, body.name) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, NAME_TAKEN)
    room = Room(name=body.name, owner_id=user.id, is_public=body.is_public)
    db.add(room)
    try:
        await db.commit()
    except IntegrityError:  # taken by someone else meanwhile
        await db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, NAME_TAKEN) from None
    return _public(room, user, user)


@router.get("/{name}", responses=errors(401, 404))
async def read_room(db: DatabaseDep, user: CurrentUser, name: RoomName) -> RoomDetail:
    room = await _joinable(db, user, name)
    owner = await users.get_user(db, room.owner_id)
    if owner is None:  # deleted meanwhile, and the room with them
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    members = [_person(member) for member in await access.members(db, room)]
    return RoomDetail(**_public(room, owner, user).model_dump(), members=members)


@router.patch("/{name}", responses=errors(400, 401, 403, 404))
async def update_room(
    db: DatabaseDep, user: CurrentUser, name: RoomName, body: RoomUpdate
) -> RoomPublic:
    """Open the room to every signed-in user, or close it to all but the people let in (those
    in it who were not are put out)."""
    room = await _owned(db, user, name)
    room.is_public = body.is_public
    await db.commit()
    await _put_out(room.name, await access.allowed(db, room))
    return _public(room, user, user)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404))
async def delete_room(db: DatabaseDep, user: CurrentUser, name: RoomName) -> None:
    """The room is gone for everyone: whoever is in it is put out."""
    room = await _owned(db, user, name)
    await db.delete(room)
    await db.commit()
    try:
        await hub.delete(name)
    except BrokerUnavailable:
        logger.warning("Room %s is deleted, but the rooms' engine is down: its past stays", name)


@router.post(
    "/{name}/members",
    status_code=status.HTTP_201_CREATED,
    responses={**errors(400, 401, 403, 404, 409), 201: {"links": LET_IN_LINKS}},
)
async def add_member(
    db: DatabaseDep, user: CurrentUser, name: RoomName, body: RoomInvitation
) -> Person:
    """Let someone into the room, by their address; they may join it from now on."""
    room = await _owned(db, user, name)
    invited = await users.get_user_by_email(db, body.email)
    if invited is None or not invited.is_active:
        # Not a 404: the room was found; what the body names was not.
        raise HTTPException(status.HTTP_400_BAD_REQUEST, NO_ACCOUNT)
    already = await db.get(RoomMember, (room.id, invited.id))
    if invited.id == room.owner_id or already is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "They are in this room already.")
    db.add(RoomMember(room_id=room.id, user_id=invited.id))
    try:
        await db.commit()
    except IntegrityError:  # let in by a second request meanwhile
        await db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "They are in this room already.") from None
    return _person(invited)


@router.delete(
    "/{name}/members/{user_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 409),
)
async def remove_member(
    db: DatabaseDep, user: CurrentUser, name: RoomName, user_id: uuid.UUID
) -> None:
    """The owner takes someone out of the room, or a member leaves it for good."""
    room = await _joinable(db, user, name)
    if user.id not in (room.owner_id, user_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, OWNER_ONLY)
    if user_id == room.owner_id:
        raise HTTPException(status.HTTP_409_CONFLICT, OWNER_STAYS)
    membership = await db.get(RoomMember, (room.id, user_id))
    if membership is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not a member of this room.")
    await db.delete(membership)
    await db.commit()
    await _put_out(room.name, await access.allowed(db, room))
