from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, EmailStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
{%- if cookiecutter.database == "postgresql" %}
from sqlalchemy import URL
{%- endif %}

BACKEND_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = BACKEND_DIR.parent


# Values that stand for a secret in examples; never a real one.
PLACEHOLDERS = {"", "changethis", "changeme", "secret", "__generate__"}
MIN_SECRET_LENGTH = 32


def parse_origins(value: Any) -> Any:
    if isinstance(value, str):
        return [origin.strip() for origin in value.split(",") if origin.strip()]
    return value


class Settings(BaseSettings):
    # The project's root .env, wherever the process is started from.
    model_config = SettingsConfigDict(
        env_file=PROJECT_DIR / ".env", env_ignore_empty=True, extra="ignore"
    )

    PROJECT_NAME: str = "{{ cookiecutter.project_name }}"
    ENVIRONMENT: Literal["local", "staging", "production"] = "local"
    API_V1_STR: str = "/api/v1"
    FRONTEND_HOST: str = "http://localhost:5173"
    BACKEND_CORS_ORIGINS: Annotated[list[str], NoDecode, BeforeValidator(parse_origins)] = []
{%- if cookiecutter.frontend == "react" %}
    # The built frontend, served at /; relative to the project's folder unless absolute.
    FRONTEND_DIST: Path = Path("frontend/dist")
{%- endif %}

    SECRET_KEY: str
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 15
    REFRESH_TOKEN_EXPIRE_DAYS: int = 14
{%- if cookiecutter.auth_totp == "yes" %}
    # Encrypts the two-factor secrets in the database; a separate key from SECRET_KEY, so that
    # rotating that one (which logs everybody out) does not unpair every authenticator app.
    TOTP_ENCRYPTION_KEY: str
    # Minutes between the password (or link) and the code.
    TWO_FACTOR_CHALLENGE_MINUTES: int = 5
    # Wrong codes in a row before the code step is locked, and for how long.
    TOTP_MAX_ATTEMPTS: int = 5
    TOTP_LOCKOUT_MINUTES: int = 15
{%- endif %}

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
    EMAIL_VERIFICATION_EXPIRE_HOURS: int = 48
{%- if cookiecutter.auth_magic_link == "yes" %}
    MAGIC_LINK_EXPIRE_MINUTES: int = 15
{%- endif %}
    # Seconds before the same address is sent another mail of the same kind.
    MAIL_COOLDOWN_SECONDS: float = 60.0

    FIRST_SUPERUSER: EmailStr
    FIRST_SUPERUSER_PASSWORD: str
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
{%- if cookiecutter.use_websockets == "yes" %}
    # Seconds a new socket has to send its token.
    WS_AUTH_TIMEOUT: float = 10.0
    # Seconds between checks, during a session, that its user is still active.
    WS_USER_RECHECK: float = 30.0
    # A bigger frame closes the socket (1009); the server refuses it before reading it whole.
    WS_MAX_MESSAGE_BYTES: int = 65536
    # Messages a second one socket may send, sustained, and in a burst above that.
    WS_RATE_LIMIT: float = 30.0
    WS_RATE_BURST: int = 60
    # Open sockets one user may have on one server process.
    WS_MAX_SOCKETS_PER_USER: int = 10
    # Seconds without a message from the client before its socket is closed.
    WS_IDLE_TIMEOUT: float = 300.0
    # Seconds between protocol pings, and to wait for the answer before dropping the peer.
    WS_PING_INTERVAL: float = 20.0
    WS_PING_TIMEOUT: float = 20.0
    # Seconds the sockets have, on shutdown, to flush and close before they are cut.
    WS_SHUTDOWN_TIMEOUT: int = 10
    # Messages waiting to be sent to one socket before it counts as too slow.
    WS_SEND_QUEUE: int = 256
    # Updates a room keeps, for members who rejoin with `since`.
    WS_ROOM_HISTORY: int = 1000
{%- if cookiecutter.realtime_broker == "redis" %}
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    # Every key and channel the rooms use starts with this.
    REDIS_KEY_PREFIX: str = "{{ cookiecutter.project_slug }}:"
{%- endif %}
{% endif %}
    @model_validator(mode="after")
    def _safe_outside_local(self) -> "Settings":
        if self.ENVIRONMENT == "local":
            return self
        problems = []
        secrets = {"SECRET_KEY": self.SECRET_KEY}
{%- if cookiecutter.auth_totp == "yes" %}
        secrets["TOTP_ENCRYPTION_KEY"] = self.TOTP_ENCRYPTION_KEY
{%- endif %}
        for name, value in secrets.items():
            if value in PLACEHOLDERS or len(value) < MIN_SECRET_LENGTH:
                problems.append(
                    f"{name} must be a random value of at least {MIN_SECRET_LENGTH} characters; "
                    "set one in .env, e.g. the output of: "
                    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
        if not self.SMTP_HOST:
            problems.append(
                "SMTP_HOST must name the mail server (with SMTP_PORT, SMTP_USER, SMTP_PASSWORD): "
                "outside local, mail written to a folder would reach nobody"
            )
        if "*" in self.BACKEND_CORS_ORIGINS:
            problems.append(
                "BACKEND_CORS_ORIGINS must list the site's origins (e.g. https://app.example.com), "
                "not *: any page on the web could then call the API and open the socket"
            )
        if problems:
            raise ValueError(f"ENVIRONMENT={self.ENVIRONMENT}: " + "; ".join(problems))
        return self

    @property
    def allowed_origins(self) -> list[str]:
        origins = [str(origin).rstrip("/") for origin in self.BACKEND_CORS_ORIGINS]
        return [*origins, self.FRONTEND_HOST.rstrip("/")]


settings = Settings()
