import uuid

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response, status

from app import auth, mail, users
from app.api.deps import CurrentUser, DatabaseDep, Limit, Skip, SuperUser, confirm_password
from app.api.links import LinkMail, mail_link
from app.api.responses import errors
from app.api.sign_in import grant
from app.core.security import hash_password
from app.email_tokens import EMAIL_CHANGE
from app.models import User
from app.schemas import (
    AccessToken,
    EmailChange,
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
LAST_ADMINISTRATOR = (
    "This is the last active administrator: make another user an administrator first."
)
EMAIL_CHANGE_LINK = LinkMail(
    EMAIL_CHANGE,
    page="/confirm-email",
    subject="confirm your new email",
    intro="To move your account to this address, open this link:",
)


async def _ensure_email_free(db: DatabaseDep, email: str | None, owner: User | None = None) -> None:
    if email is None:
        return
    existing = await users.get_user_by_email(db, email)
    if existing is not None and existing is not owner:
        raise HTTPException(status.HTTP_409_CONFLICT, EMAIL_TAKEN)


async def _user_or_404(db: DatabaseDep, user_id: uuid.UUID) -> User:
    user = await users.get_user(db, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found.")
    return user


@router.get("/me", responses=errors(401))
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/me", responses=errors(400, 401, 403))
async def update_me(db: DatabaseDep, user: CurrentUser, user_in: UserUpdateMe) -> UserPublic:
    return UserPublic.model_validate(await users.update_user(db, user, user_in))


@router.post(
    "/me/email",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(400, 401, 403, 429, 503),
)
async def change_my_email(
    db: DatabaseDep,
    request: Request,
    background: BackgroundTasks,
    user: CurrentUser,
    body: EmailChange,
) -> Message:
    """Move the account to a new address, once a link mailed there is opened; until then the
    address stays. The answer is the same whether another account has the new address."""
    await confirm_password(db, request, user, body.current_password)
    new_email = body.new_email.lower()
    if await users.get_user_by_email(db, new_email) is None:
        mail_link(background, request, user.email, EMAIL_CHANGE_LINK, new_email=new_email)
    elif new_email != user.email:
        what = f"Someone asked to move an account of {user.email} to this address, which has one"
        background.add_task(mail.deliver, mail.notice_mail(new_email, "address in use", what))
    return Message(
        message=f"To finish, open the link we sent to {new_email}. "
        f"Until then your address stays {user.email}."
    )


@router.patch("/me/password", responses=errors(400, 401, 403, 429, 503))
async def change_my_password(
    db: DatabaseDep,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    user: CurrentUser,
    body: PasswordChange,
) -> AccessToken:
    """A new password: every sign-in of the user ends (on other devices too), and this one gets
    a new sign-in, whose tokens are in the answer."""
    await confirm_password(db, request, user, body.current_password)
    user.hashed_password = await hash_password(body.new_password)
    await db.commit()
    await auth.end_all_sign_ins(db, user.id)
    what = "The password of your account was changed"
    background.add_task(mail.deliver, mail.notice_mail(user.email, "password changed", what))
    sign_in = await auth.start_sign_in(db, user)
    return await grant(db, response, user, sign_in.id)


@router.get("", responses=errors(401, 403))
async def list_users(
    db: DatabaseDep,
    _: SuperUser,
    skip: Skip = 0,
    limit: Limit = 100,
) -> UsersPublic:
    found, count = await users.list_users(db, skip=skip, limit=limit)
    return UsersPublic(data=[UserPublic.model_validate(user) for user in found], count=count)


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(400, 401, 403, 409, 503))
async def create_user(db: DatabaseDep, _: SuperUser, user_in: UserCreate) -> UserPublic:
    await _ensure_email_free(db, user_in.email)
    return UserPublic.model_validate(await users.create_user(db, user_in))


@router.get("/{user_id:uuid}", responses=errors(401, 403, 404))
async def read_user(db: DatabaseDep, current: CurrentUser, user_id: uuid.UUID) -> UserPublic:
    if user_id != current.id and not current.is_superuser:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The user doesn't have enough privileges.")
    return UserPublic.model_validate(await _user_or_404(db, user_id))


@router.patch("/{user_id:uuid}", responses=errors(400, 401, 403, 404, 409, 503))
async def update_user(
    db: DatabaseDep,
    background: BackgroundTasks,
    _: SuperUser,
    user_id: uuid.UUID,
    user_in: UserUpdate,
) -> UserPublic:
    """An administrator's change; a new password ends every sign-in of the user. No change
    leaves the instance without an active administrator."""
    user = await _user_or_404(db, user_id)
    await _ensure_email_free(db, user_in.email, owner=user)
    demoted = user_in.is_superuser is False or user_in.is_active is False
    if (
        demoted
        and user.is_superuser
        and user.is_active
        and await users.count_active_superusers(db, excluding=user.id) == 0
    ):
        raise HTTPException(status.HTTP_409_CONFLICT, LAST_ADMINISTRATOR)
    old_email = user.email
    updated = await users.update_user(db, user, user_in)
    if user_in.password is not None:
        await auth.end_all_sign_ins(db, user.id)
        what = "An administrator set a new password for your account"
        background.add_task(mail.deliver, mail.notice_mail(updated.email, "password changed", what))
    if updated.email != old_email:
        what = f"An administrator moved your account to {updated.email}"
        background.add_task(mail.deliver, mail.notice_mail(old_email, "address changed", what))
    return UserPublic.model_validate(updated)


@router.delete(
    "/{user_id:uuid}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404)
)
async def delete_user(db: DatabaseDep, current: SuperUser, user_id: uuid.UUID) -> None:
    if user_id == current.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Superusers cannot delete themselves.")
    await db.delete(await _user_or_404(db, user_id))
    await db.commit()
