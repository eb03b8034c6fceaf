"""A real SMTP server (aiosmtpd) that keeps what the app sends, for the tests to read."""

import asyncio
import re
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, port: int) -> None:
        self.port = port
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    # aiosmtpd calls this, in its own thread, for each mail it accepts.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    def sent_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for message in self._messages if message["To"] == address]

    async def receive(self, address: str, subject: str, within: float = 10.0) -> EmailMessage:
        """Wait for the first mail to `address` whose subject holds `subject`, and take it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            with self._lock:
                for message in self._messages:
                    if message["To"] == address and subject in str(message["Subject"]):
                        self._messages.remove(message)
                        return message
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail to {address} about {subject!r} within {within} s")


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no text part"
    content = part.get_content()
    assert isinstance(content, str)
    return content


def link_token(message: EmailMessage, path: str) -> str:
    """The token of the link to the page's `path` in the mail."""
    found = re.search(rf"https?://\S+{re.escape(path)}#token=([A-Za-z0-9_-]+)", body(message))
    assert found, f"no {path} link in:\n{body(message)}"
    return found[1]
