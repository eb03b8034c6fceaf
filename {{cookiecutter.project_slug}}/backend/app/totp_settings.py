"""The two-factor settings, part of the project's Settings (app.core.config): each one is read
from the project's .env or the environment, under the same name."""

from typing import ClassVar

from pydantic_settings import BaseSettings

from app.core.settings_types import CommaList


class TwoFactorSettings(BaseSettings):
    # Encrypts the two-factor secrets in the database; a separate key from SECRET_KEY, so that
    # rotating that one (which logs everybody out) does not unpair every authenticator app.
    # Rotated like SECRET_KEY: the old value first in PREVIOUS_TOTP_ENCRYPTION_KEYS; secrets are
    # re-encrypted with the new key by `python -m app.prestart`.
    TOTP_ENCRYPTION_KEY: str
    PREVIOUS_TOTP_ENCRYPTION_KEYS: CommaList = []
    # Minutes between the password (or link) and the code.
    TWO_FACTOR_CHALLENGE_MINUTES: int = 5

    ROTATED_KEYS: ClassVar[dict[str, str]] = {
        "TOTP_ENCRYPTION_KEY": "PREVIOUS_TOTP_ENCRYPTION_KEYS"
    }
