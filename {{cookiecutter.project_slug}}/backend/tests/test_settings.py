"""Outside a local environment the app refuses to start on settings fit only for a laptop."""

import os
import secrets
import subprocess
import sys

import httpx
import pytest

from tests.conftest import BACKEND_DIR, running_server

STRONG_KEY = secrets.token_urlsafe(32)


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m app` with `env` on top of the test run's; it must exit on its own."""
    return subprocess.run(
        [sys.executable, "-m", "app", "--port", "1"],
        cwd=BACKEND_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("key", ["changethis", "__generate__", "too-short-a-key"])
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    refused = start({"ENVIRONMENT": "production", "SECRET_KEY": key})
    assert refused.returncode == 1
    assert "SECRET_KEY must be a random value of at least 32 characters" in refused.stderr
    assert "secrets.token_urlsafe(32)" in refused.stderr  # what to type
    assert "Traceback" not in refused.stderr


def test_staging_refuses_any_origin() -> None:
    refused = start(
        {"ENVIRONMENT": "staging", "SECRET_KEY": STRONG_KEY, "BACKEND_CORS_ORIGINS": "*"}
    )
    assert refused.returncode == 1
    assert "BACKEND_CORS_ORIGINS must list the site's origins" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_both_problems_are_reported_at_once() -> None:
    refused = start(
        {"ENVIRONMENT": "production", "SECRET_KEY": "changethis", "BACKEND_CORS_ORIGINS": "*"}
    )
    assert refused.returncode == 1
    assert "SECRET_KEY" in refused.stderr
    assert "BACKEND_CORS_ORIGINS" in refused.stderr


def test_production_refuses_to_write_mail_to_a_folder() -> None:
    refused = start({"ENVIRONMENT": "production", "SECRET_KEY": STRONG_KEY, "SMTP_HOST": ""})
    assert refused.returncode == 1
    assert "SMTP_HOST must name the mail server" in refused.stderr
    assert "Traceback" not in refused.stderr
{%- if cookiecutter.auth_totp == "yes" %}


def test_production_refuses_a_weak_totp_encryption_key() -> None:
    refused = start(
        {"ENVIRONMENT": "production", "SECRET_KEY": STRONG_KEY, "TOTP_ENCRYPTION_KEY": "changethis"}
    )
    assert refused.returncode == 1
    assert "TOTP_ENCRYPTION_KEY must be a random value of at least 32 characters" in refused.stderr
{%- endif %}


def test_local_accepts_what_production_refuses() -> None:
    from app.core.config import Settings

    local = Settings(ENVIRONMENT="local", SECRET_KEY="changethis", BACKEND_CORS_ORIGINS=["*"])
    assert local.SECRET_KEY == "changethis"


def test_production_with_sound_settings_serves(database: None) -> None:
    env = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": STRONG_KEY,
        "BACKEND_CORS_ORIGINS": "https://app.example.com",
    }
    with running_server("production", env=env) as server:
        assert httpx.get(f"{server.url}/api/v1/health").status_code == 200
        # Outside local the refresh cookie is sent over HTTPS only.
        from app.core.config import settings

        form = {"username": settings.FIRST_SUPERUSER, "password": settings.FIRST_SUPERUSER_PASSWORD}
        login = httpx.post(f"{server.url}/api/v1/login/oauth", data=form)
        assert login.status_code == 200
        assert "Secure" in login.headers["set-cookie"]
