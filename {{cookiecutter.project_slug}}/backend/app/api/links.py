"""Mailed links to the page's own routes: issued, built and sent in one place."""

from fastapi import BackgroundTasks, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app import mail
from app.core.config import settings
from app.email_tokens import Purpose, describe, issue, lifetime
from app.models import User


def page_origin(request: Request) -> str:
    """The page that asked, when it is one of the allowed origins; FRONTEND_HOST otherwise.

    Only an origin on the list is taken, never the Host header or any other value a client chooses:
    whoever sends a request may forge those, and a reset link built from them would carry a
    stranger's token to the forger's own site.
    """
    origin = request.headers.get("origin", "").rstrip("/")
    if origin in settings.allowed_origins:
        return origin
    return settings.FRONTEND_HOST.rstrip("/")


def page_link(request: Request, path: str, token: str) -> str:
    return f"{page_origin(request)}{path}#token={token}"


{% if cookiecutter.auth_magic_link == "yes" -%}
async def mail_link(
    db: AsyncSession,
    request: Request,
    background: BackgroundTasks,
    user: User,
    purpose: Purpose,
    page: str,
    subject: str,
    intro: str,
    *,
    claim: str | None = None,
) -> None:
{%- else -%}
async def mail_link(
    db: AsyncSession,
    request: Request,
    background: BackgroundTasks,
    user: User,
    purpose: Purpose,
    page: str,
    subject: str,
    intro: str,
) -> None:
{%- endif %}
    """A new link token of `purpose` for the user, mailed as a link to `page` once the response
    has gone; nothing within MAIL_COOLDOWN_SECONDS of the last one (see email_tokens.issue)."""
    token = await issue(db, user, purpose{% if cookiecutter.auth_magic_link == "yes" %}, claim=claim{% endif %})
    if token is None:
        return
    link = page_link(request, page, token)
    message = mail.link_mail(user.email, subject, intro, link, describe(lifetime(purpose)))
    background.add_task(mail.deliver, message)
