"""Sending mail: by SMTP when SMTP_HOST is set, else into MAIL_DIR for the developer to read.

Links in mail carry their token after `#`: a fragment never reaches a server's logs, nor the
Referer of the page it opens.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

import aiosmtplib
from anyio import to_thread

from app.core.config import PROJECT_DIR, settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def link_mail(to: str, subject: str, intro: str, url: str, valid_for: str) -> Mail:
    """The one shape every mail here takes: a line of why, the link, and how long it works."""
    body = (
        f"Hello,\n\n{intro}\n\n{url}\n\n"
        f"The link works once, within {valid_for}. "
        "If you did not ask for it, ignore this mail: nothing changes.\n\n"
        f"-- {settings.PROJECT_NAME}\n"
    )
    return Mail(to=to, subject=f"{settings.PROJECT_NAME}: {subject}", body=body)


def notice_mail(to: str, subject: str, what: str) -> Mail:
    """A mail that tells the account's owner that something changed, and what to do if it was
    not them."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    recover = f"{settings.FRONTEND_HOST.rstrip('/')}/forgot-password"
    body = (
        f"Hello,\n\n{what} ({when}).\n\n"
        "If that was you, there is nothing more to do. If it was not, someone else knows your "
        f"password: choose a new one at once at {recover}, which also signs every device out.\n\n"
        f"-- {settings.PROJECT_NAME}\n"
    )
    return Mail(to=to, subject=f"{settings.PROJECT_NAME}: {subject}", body=body)


def compose(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings.PROJECT_NAME, str(settings.EMAILS_FROM_EMAIL)))
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain=str(settings.EMAILS_FROM_EMAIL).split("@")[-1])
    # 7bit keeps each link on one line, whole, in the .eml files of the mail folder too.
    message.set_content(mail.body, cte="7bit")
    return message


def mail_dir() -> Path:
    return PROJECT_DIR / settings.MAIL_DIR


def _write(message: EmailMessage) -> Path:
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", str(message["To"]))
    path = folder / f"{stamp}-{recipient}.eml"
    path.write_bytes(message.as_bytes())
    return path


async def send(mail: Mail) -> None:
    message = compose(mail)
    if not settings.SMTP_HOST:
        path = await to_thread.run_sync(_write, message)
        logger.warning("No SMTP_HOST: the mail to %s is in %s", mail.to, path)
        return
    await aiosmtplib.send(
        message,
        hostname=settings.SMTP_HOST,
        port=settings.SMTP_PORT,
        username=settings.SMTP_USER or None,
        password=settings.SMTP_PASSWORD or None,
        use_tls=settings.SMTP_SSL,
        start_tls=settings.SMTP_TLS and not settings.SMTP_SSL,
        timeout=30,
    )


async def deliver(mail: Mail) -> None:
    """Send after the response has gone (a background task): a failure is logged, not raised."""
    try:
        await send(mail)
    except Exception:
        logger.exception("Could not send %r to %s", mail.subject, mail.to)
