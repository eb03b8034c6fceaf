import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.core.passwords import EnteredPassword, NewPassword


class RequestBody(BaseModel):
    """What a client sends: strict types (`true` is a boolean, `"yes"` is not), and no NUL
    character in any text, which PostgreSQL cannot store."""

    model_config = ConfigDict(strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


class UserBase(RequestBody):
    email: EmailStr = Field(max_length=320)
    full_name: str | None = Field(default=None, max_length=255)


class UserCreate(UserBase):
    password: NewPassword
    is_active: bool = True
    is_superuser: bool = False


class UserUpdate(RequestBody):
    email: EmailStr | None = Field(default=None, max_length=320)
    full_name: str | None = Field(default=None, max_length=255)
    password: NewPassword | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None


class UserUpdateMe(RequestBody):
    """What a user changes without their password; the address and the password have routes
    of their own that ask for it."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=255)


class Reauthentication(RequestBody):
    """The account's password, asked again before a change that could take the account over."""

    current_password: EnteredPassword


class PasswordChange(Reauthentication):
    new_password: NewPassword


class EmailChange(Reauthentication):
    new_email: EmailStr = Field(max_length=320)


class UserPublic(UserBase):
    model_config = ConfigDict(from_attributes=True, strict=False)

    id: uuid.UUID
    is_active: bool
    is_superuser: bool
    email_verified: bool
    created_at: datetime


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


class SignedOut(BaseModel):
    """The browser holds no sign-in to resume: the page shows the way in."""

    signed_in: Literal[False] = False


class Challenge(BaseModel):
    """The password (or link) was right; the sign-in needs one more step, named by `challenge`
    (e.g. a code from an app, where the project has that step; no sign-in asks for one without)."""

    challenge: str
    challenge_token: str
    expires_in: int


# What a way in answers: signed in, or the next step. The same in every project, whichever steps
# it has, so that a client made from the API's document is the same in each.
SignInResult = AccessToken | Challenge


class Message(BaseModel):
    message: str


class EmailRequest(RequestBody):
    email: EmailStr = Field(max_length=320)


class LinkToken(RequestBody):
    token: str = Field(min_length=1, max_length=200)


class PasswordReset(LinkToken):
    new_password: NewPassword
