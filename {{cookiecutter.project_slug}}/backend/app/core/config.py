import math
import os
from collections import Counter
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import EmailStr, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
{%- if cookiecutter.database == "postgresql" %}
from sqlalchemy import URL
{%- endif %}

from app.core.passwords import password_problem
from app.core.settings_types import CommaList
{%- if cookiecutter.use_websockets == "yes" %}
from app.realtime.settings import RealtimeSettings
{%- endif %}
{%- if cookiecutter.auth_totp == "yes" %}
from app.totp_settings import TwoFactorSettings
{%- endif %}

BACKEND_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = BACKEND_DIR.parent


# Values that stand for a secret in examples; never a real one.
PLACEHOLDERS = {"", "changethis", "changeme", "secret", "__generate__"}
MIN_SECRET_LENGTH = 32
# OWASP's least memory for Argon2id at a time cost of 3 (the Password Storage Cheat Sheet).
MIN_PASSWORD_HASH_MEMORY_KIB = 12288
# What a key's characters must carry, counted by their spread (32 random URL-safe characters
# carry about 150 bits by this measure; "a" * 32 carries none).
MIN_SECRET_BITS = 128


def spread_bits(value: str) -> float:
    """The entropy of a value's characters by their frequencies, times its length: an upper
    bound of what it can hold, low for repeated or few distinct characters."""
    counts = Counter(value)
    return -sum(n * math.log2(n / len(value)) for n in counts.values())


def weak_key(value: str) -> bool:
    return (
        value in PLACEHOLDERS
        or len(value) < MIN_SECRET_LENGTH
        or spread_bits(value) < MIN_SECRET_BITS
    )


def public_origin_problem(value: str) -> str | None:
    """Why `value` cannot be a production site's origin, or None."""
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if value == "null" or parts.scheme != "https" or not host:
        return "must be an https:// origin"
    if host == "localhost" or host.endswith(".localhost") or host.startswith("127."):
        return "must not be a local address"
    return None


class Settings({% if cookiecutter.use_websockets == "yes" %}RealtimeSettings, {% endif %}{% if cookiecutter.auth_totp == "yes" %}TwoFactorSettings, {% endif %}BaseSettings):
    # The project's root .env, wherever the process is started from.
    model_config = SettingsConfigDict(
        env_file=PROJECT_DIR / ".env", env_ignore_empty=True, extra="ignore"
    )

    PROJECT_NAME: str = "{{ cookiecutter.project_name }}"
    ENVIRONMENT: Literal["local", "staging", "production"] = "local"
    API_V1_STR: str = "/api/v1"
    FRONTEND_HOST: str = "http://localhost:5173"
    BACKEND_CORS_ORIGINS: CommaList = []
    # The API's description and its pages (/docs, /redoc); on by default only while local.
    API_DOCS: bool | None = None
{%- if cookiecutter.frontend == "react" %}
    # The built frontend, served at /; relative to the project's folder unless absolute.
    FRONTEND_DIST: Path = Path("frontend/dist")
{%- endif %}

    # Signs every token. To rotate it without logging anyone out, move the old value to the
    # front of PREVIOUS_SECRET_KEYS (still accepted) and set a new one.
    SECRET_KEY: str
    PREVIOUS_SECRET_KEYS: CommaList = []
    # Each key setting of this class and its mixins, with the setting of its previous values:
    # outside local, every one must be random.
    ROTATED_KEYS: ClassVar[dict[str, str]] = {"SECRET_KEY": "PREVIOUS_SECRET_KEYS"}
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 15
    # A refresh cookie lasts this long unused; refreshing never takes a sign-in past
    # SIGN_IN_LIFETIME_HOURS (30 days) from its start, after which the user signs in again.
    REFRESH_TOKEN_EXPIRE_DAYS: int = 14
    SIGN_IN_LIFETIME_HOURS: int = 720
    # Failed attempts (passwords, codes) one account, and requests one client address, may make
    # before each next one waits: THROTTLE_FIRST_DELAY seconds, then twice as long each time, up
    # to THROTTLE_MAX_DELAY. Forgotten after THROTTLE_WINDOW seconds without an attempt.
    THROTTLE_PER_ACCOUNT: int = 5
    THROTTLE_PER_ADDRESS: int = 50
    THROTTLE_FIRST_DELAY: float = 1.0
    THROTTLE_MAX_DELAY: int = 900
    THROTTLE_WINDOW: int = 3600
    # Memory of one Argon2 password hash, in KiB: 64 MiB, pwdlib's recommended profile (time
    # cost 3, 4 lanes). Outside local no less than MIN_PASSWORD_HASH_MEMORY_KIB; the tests lower
    # it (a hash costs far less, and they make hundreds) except where they measure the cost.
    PASSWORD_HASH_MEMORY_KIB: int = Field(default=65536, ge=1024)
    # Passwords checked at once by one server process (each Argon2 check takes
    # PASSWORD_HASH_MEMORY_KIB and a core; by default one core is left to the event loop), and
    # how many more may wait for a turn; past that the answer is 503 at once.
    PASSWORD_CHECKS_AT_ONCE: int = max(1, len(os.sched_getaffinity(0)) - 1)
    PASSWORD_CHECKS_WAITING: int = 8

    # Mail. Without SMTP_HOST (only while ENVIRONMENT=local) every mail is written to MAIL_DIR
    # as an .eml file, and the console says where; relative to the project's folder.
    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    # STARTTLS after connecting (port 587), or TLS from the first byte (SMTP_SSL, port 465).
    SMTP_TLS: bool = True
    SMTP_SSL: bool = False
    EMAILS_FROM_EMAIL: EmailStr = "noreply@{{ cookiecutter.domain }}"
    MAIL_DIR: Path = Path("mail")
    # How long each emailed link works; each works once.
    PASSWORD_RESET_EXPIRE_MINUTES: int = 30
    EMAIL_CHANGE_EXPIRE_HOURS: int = 24
    EMAIL_VERIFICATION_EXPIRE_HOURS: int = 48
{%- if cookiecutter.auth_magic_link == "yes" %}
    MAGIC_LINK_EXPIRE_MINUTES: int = 10
{%- endif %}
    # Seconds before the same address is sent another mail of the same kind.
    MAIL_COOLDOWN_SECONDS: float = 60.0

    FIRST_SUPERUSER: EmailStr
    FIRST_SUPERUSER_PASSWORD: str
    # Database connections one server process keeps, may add under load, and how long a request
    # waits for one before it is answered as unavailable (503).
    DB_POOL_SIZE: int = 10
    DB_MAX_OVERFLOW: int = 10
    DB_POOL_TIMEOUT: float = 3.0
{%- if cookiecutter.realtime_broker == "redis" %}
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    # Every key and channel the rooms use starts with this.
    REDIS_KEY_PREFIX: str = "{{ cookiecutter.project_slug }}:"
    # A Redis Cluster instead of one Redis (REDIS_URL is then not used): a comma list of some
    # of its nodes' URLs, e.g. redis://10.0.0.1:6379,redis://10.0.0.2:6379; any one that answers
    # tells where the others are.
    REDIS_CLUSTER_URLS: CommaList = []
{%- endif %}
{% if cookiecutter.database == "sqlite" %}
    SQLITE_PATH: Path = Path("app.db")

    @property
    def DATABASE_URL(self) -> str:
        return f"sqlite+aiosqlite:///{BACKEND_DIR / self.SQLITE_PATH}"
{% else %}
    POSTGRES_SERVER: str = "localhost"
    POSTGRES_PORT: int = 5432
    POSTGRES_USER: str = "postgres"
    POSTGRES_PASSWORD: str = ""
    POSTGRES_DB: str = "{{ cookiecutter.project_slug }}"

    @property
    def DATABASE_URL(self) -> str:
        return self.postgres_url(self.POSTGRES_DB)

    def postgres_url(self, database: str) -> str:
        return URL.create(
            "postgresql+asyncpg",
            username=self.POSTGRES_USER,
            password=self.POSTGRES_PASSWORD or None,
            host=self.POSTGRES_SERVER,
            port=self.POSTGRES_PORT,
            database=database,
        ).render_as_string(hide_password=False)
{% endif %}
    @model_validator(mode="after")
    def _safe_outside_local(self) -> "Settings":
        if self.ENVIRONMENT == "local":
            return self
        problems = []
        keys = {
            name: [getattr(self, name), *getattr(self, previous)]
            for part in type(self).__mro__
            for name, previous in vars(part).get("ROTATED_KEYS", {}).items()
        }
        for name, values in keys.items():
            if any(weak_key(value) for value in values):
                problems.append(
                    f"{name} (and each previous one) must be a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters; set one in .env, e.g. the output of: "
                    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
        if self.PASSWORD_HASH_MEMORY_KIB < MIN_PASSWORD_HASH_MEMORY_KIB:
            problems.append(
                f"PASSWORD_HASH_MEMORY_KIB must be at least {MIN_PASSWORD_HASH_MEMORY_KIB} "
                "(OWASP's least for Argon2id at a time cost of 3); leave it unset for 65536"
            )
        if (problem := password_problem(self.FIRST_SUPERUSER_PASSWORD)) is not None:
            problems.append(
                f"FIRST_SUPERUSER_PASSWORD {problem}; the generated .env holds a good one"
            )
        if not self.SMTP_HOST:
            problems.append(
                "SMTP_HOST must name the mail server (with SMTP_PORT, SMTP_USER, SMTP_PASSWORD): "
                "outside local, mail written to a folder would reach nobody"
            )
        for origin in self.BACKEND_CORS_ORIGINS:
            if origin == "*":
                problems.append(
                    "BACKEND_CORS_ORIGINS must list the site's origins "
                    "(e.g. https://app.example.com), not *: any page on the web could then "
                    "call the API in its users' name"
                )
            elif (problem := public_origin_problem(origin.rstrip("/"))) is not None:
                problems.append(f"BACKEND_CORS_ORIGINS: {origin} {problem}")
        if (problem := public_origin_problem(self.FRONTEND_HOST.rstrip("/"))) is not None:
            problems.append(f"FRONTEND_HOST {problem}: mailed links lead there")
        if problems:
            # One line a problem: `python -m app` prints each.
            raise ValueError("\n".join(f"ENVIRONMENT={self.ENVIRONMENT}: {p}" for p in problems))
        return self

    @property
    def api_docs(self) -> bool:
        return self.API_DOCS if self.API_DOCS is not None else self.ENVIRONMENT == "local"

    @property
    def allowed_origins(self) -> list[str]:
        origins = [str(origin).rstrip("/") for origin in self.BACKEND_CORS_ORIGINS]
        return [*origins, self.FRONTEND_HOST.rstrip("/")]


settings = Settings()
