"""Room names, and what the rooms' HTTP routes take and answer."""

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from app.schemas import RequestBody

# A room's name, wherever one is given: in a URL, a request body or a socket message. It starts
# with a letter, a digit or `_`: a name of dots only would be a step in a URL path.
ROOM_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$"


class RoomCreate(RequestBody):
    name: str = Field(pattern=ROOM_NAME_PATTERN)
    # Whether every signed-in user may join; else only the owner and the people invited.
    is_public: bool = False


class RoomUpdate(RequestBody):
    is_public: bool


class RoomInvitation(RequestBody):
    email: EmailStr = Field(max_length=320)


class Person(BaseModel):
    """Someone as other people see them: never their email address."""

    id: uuid.UUID
    name: str


class RoomPublic(BaseModel):
    name: str
    is_public: bool
    owner: Person
    # Whether the one asking owns it.
    is_owner: bool
    created_at: datetime


class RoomDetail(RoomPublic):
    # The people invited (the owner is not among them).
    members: list[Person]


class RoomsPublic(BaseModel):
    data: list[RoomPublic]
    count: int
