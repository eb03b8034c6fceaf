"""Mailed links to the page's own routes: issued, built and sent in one place.

The link is made and sent in a background task, after the response: the request takes the same
path and time whether the address has an account or not, so timing tells a guesser nothing.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import BackgroundTasks, Request

from app import mail, users
from app.core.config import settings
from app.core.db import open_db
from app.email_tokens import Purpose, describe, issue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkMail:
    purpose: Purpose
    # The page of the frontend that takes the link's token.
    page: str
    subject: str
    intro: str


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


def mail_link(
    background: BackgroundTasks, request: Request, email: str, link: LinkMail, **options: Any
) -> None:
    """Send the link after the response (send_link), as things stand now: a request made while
    an earlier link was pending sends nothing, even if that link is used before the task runs."""
    asked_at = datetime.now(UTC)
    background.add_task(send_link, page_origin(request), email, link, asked_at=asked_at, **options)


async def send_link(
    origin: str,
    email: str,
    link: LinkMail,
    *,
    asked_at: datetime,
    claim: str | None = None,
    new_email: str | None = None,
) -> None:
    """A background task: a new link token of the kind for the active account at `email`, if
    there is one, mailed as a link to `origin` + the page; nothing within MAIL_COOLDOWN_SECONDS
    of the last one (see email_tokens.issue). An address change's link goes to `new_email`."""
    try:
        async with open_db() as db:
            user = await users.get_user_by_email(db, email)
            if user is None or not user.is_active:
                return
            token = await issue(db, user, link.purpose, asked_at, claim=claim, new_email=new_email)
        if token is None:
            return
        url = f"{origin}{link.page}#token={token}"
        valid_for = describe(link.purpose.lifetime)
        to = new_email or user.email
        await mail.send(mail.link_mail(to, link.subject, link.intro, url, valid_for))
    except Exception:
        logger.exception("Could not mail a %s link", link.purpose.name)
