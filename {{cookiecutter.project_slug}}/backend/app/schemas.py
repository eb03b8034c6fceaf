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


{%- if cookiecutter.auth_totp == "yes" %}


class Challenge(BaseModel):
    """The password (or link) was right; the sign-in needs one more step, named here."""

    challenge: Literal["totp"] = "totp"
    challenge_token: str
    expires_in: int
{%- endif %}


class Message(BaseModel):
    message: str


class EmailRequest(RequestBody):
    email: EmailStr = Field(max_length=320)


class LinkToken(RequestBody):
    token: str = Field(min_length=1, max_length=200)


class PasswordReset(LinkToken):
    new_password: NewPassword
{%- if cookiecutter.auth_magic_link == "yes" %}


class SignInLinkSent(BaseModel):
    """Proof that this browser asked; the emailed link works only together with it."""

    claim: str
    expires_in: int


class SignInLink(LinkToken):
    # Taken from the cookie set with the request when absent (a browser).
    claim: str | None = Field(default=None, max_length=200)
{%- endif %}
{%- if cookiecutter.auth_totp == "yes" %}


class TwoFactorCode(RequestBody):
    # Six digits from the app, or one of the recovery codes (xxxx-xxxx-xxxx-xxxx).
    code: str = Field(min_length=1, max_length=32)


class TwoFactorSignIn(TwoFactorCode):
    challenge_token: str = Field(max_length=2000)


class TwoFactorDisable(Reauthentication, TwoFactorCode):
    pass


class TwoFactorStatus(BaseModel):
    enabled: bool
    recovery_codes_left: int


class RecoveryCodes(BaseModel):
    """Shown once: only their hashes are kept."""

    message: str
    recovery_codes: list[str]


class TwoFactorEnrolment(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str
{%- endif %}
{%- if cookiecutter.use_websockets == "yes" %}


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
{%- endif %}
