"""Slowing down guessers: attempts counted per account and per client address, for every worker.

Each attempt (a password, a code, a request for a mail) is counted *before* the work it asks
for, in one atomic step that also refuses it while its key is blocked; so a thousand concurrent
guesses get no more checks than a thousand sequential ones. The first THROTTLE_PER_ACCOUNT
attempts of an account (THROTTLE_PER_ADDRESS of a client address) pass at once; from then on
each one blocks the key for THROTTLE_FIRST_DELAY (1 s), then twice as long each time, up to
THROTTLE_MAX_DELAY, and a refused
attempt is told how long to wait (429 and Retry-After). A success forgives the account's count
and gives the address its attempt back. A key is forgotten THROTTLE_WINDOW seconds after its
last attempt.

The counts live in store.py (one round trip per attempt), shared by every worker. The `limits`
package was not used: it keeps fixed or moving windows (no growing delays) and has no SQL
storage.
"""

import hashlib
from dataclasses import dataclass

from app.core.config import settings
from app.throttle.policy import Throttled, delay
from app.throttle.store import close, forget, give_back, take

__all__ = ["Keys", "Throttled", "attempt", "close", "delay", "succeeded"]

# Longer account names (anyone may type anything as a username) are counted by their digest.
MAX_NAME = 200


@dataclass(frozen=True)
class Keys:
    """What one attempt counts against: an account (of one kind of check) and an address."""

    account: str
    address: str | None

    @classmethod
    def of(cls, kind: str, account: object, address: str | None) -> "Keys":
        """`kind` keeps passwords, codes and mails apart for one account; every kind shares
        the address's count."""
        return cls(f"{kind}:{_name(account)}", f"address:{_name(address)}" if address else None)


def _name(value: object) -> str:
    """A key's name as it was typed, unless it is too long or odd to store as it is."""
    text = str(value).lower()
    if len(text) > MAX_NAME or not text.isprintable():
        return hashlib.sha256(text.encode(errors="replace")).hexdigest()
    return text


async def attempt(keys: Keys) -> None:
    """Count an attempt against both keys; Throttled while either is blocked."""
    await take(keys.account, settings.THROTTLE_PER_ACCOUNT)
    if keys.address is not None:
        await take(keys.address, settings.THROTTLE_PER_ADDRESS)


async def succeeded(keys: Keys) -> None:
    """The attempt was good: forget the account's count, give the address its attempt back."""
    await forget(keys.account)
    if keys.address is not None:
        await give_back(keys.address)
