"""Outside a local environment the app refuses to start on settings fit only for a laptop."""

import os
import secrets
import subprocess
import sys

import httpx
import pytest

from tests.conftest import BACKEND_DIR, real_password_hash, running_server

STRONG_KEY = secrets.token_urlsafe(32)
# Production, with the password hashing the tests otherwise make cheap.
PRODUCTION = {"ENVIRONMENT": "production", **real_password_hash()}


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


@pytest.mark.parametrize("key", ["changethis", "__generate__", "too-short-a-key", "a" * 48])
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    refused = start({**PRODUCTION, "SECRET_KEY": key})
    assert refused.returncode == 1
    assert "SECRET_KEY (and each previous one) must be a random value" in refused.stderr
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
    refused = start({**PRODUCTION, "SECRET_KEY": "changethis", "BACKEND_CORS_ORIGINS": "*"})
    assert refused.returncode == 1
    assert "SECRET_KEY" in refused.stderr
    assert "BACKEND_CORS_ORIGINS" in refused.stderr


def test_production_refuses_to_write_mail_to_a_folder() -> None:
    refused = start({**PRODUCTION, "SECRET_KEY": STRONG_KEY, "SMTP_HOST": ""})
    assert refused.returncode == 1
    assert "SMTP_HOST must name the mail server" in refused.stderr
    assert "Traceback" not in refused.stderr
{%- if cookiecutter.auth_totp == "yes" %}


def test_production_refuses_a_weak_totp_encryption_key() -> None:
    refused = start({**PRODUCTION, "SECRET_KEY": STRONG_KEY, "TOTP_ENCRYPTION_KEY": "changethis"})
    assert refused.returncode == 1
    assert "TOTP_ENCRYPTION_KEY (and each previous one) must be a random value" in refused.stderr
{%- endif %}


def test_local_accepts_what_production_refuses() -> None:
    from app.core.config import Settings

    local = Settings(ENVIRONMENT="local", SECRET_KEY="changethis", BACKEND_CORS_ORIGINS=["*"])
    assert local.SECRET_KEY == "changethis"


def test_production_with_sound_settings_serves(database: None) -> None:
    env = {
        **PRODUCTION,
        "SECRET_KEY": STRONG_KEY,
        "BACKEND_CORS_ORIGINS": "https://app.example.com",
        "FRONTEND_HOST": "https://app.example.com",
    }
    with running_server("production", env=env) as server:
        assert httpx.get(f"{server.url}/api/v1/health").status_code == 200
        # The API's description and its pages are off unless API_DOCS turns them on.
        assert httpx.get(f"{server.url}/api/v1/openapi.json").status_code == 404
        for path in ("/docs", "/redoc"):
            page = httpx.get(f"{server.url}{path}")
            assert "swagger" not in page.text.lower(), path
            assert "redoc" not in page.text.lower(), path
        # Outside local the refresh cookie is sent over HTTPS only.
        from app.core.config import settings

        form = {"username": settings.FIRST_SUPERUSER, "password": settings.FIRST_SUPERUSER_PASSWORD}
        login = httpx.post(f"{server.url}/api/v1/login/oauth", data=form)
        assert login.status_code == 200
        assert "Secure" in login.headers["set-cookie"]


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("BACKEND_CORS_ORIGINS", "http://app.example.com", "must be an https:// origin"),
        ("BACKEND_CORS_ORIGINS", "https://localhost:5173", "must not be a local address"),
        ("BACKEND_CORS_ORIGINS", "null", "must be an https:// origin"),
        ("FRONTEND_HOST", "http://localhost:5173", "FRONTEND_HOST must be an https:// origin"),
        ("FIRST_SUPERUSER_PASSWORD", "changethis", "FIRST_SUPERUSER_PASSWORD must have at least"),
        ("FIRST_SUPERUSER_PASSWORD", "password1234", "FIRST_SUPERUSER_PASSWORD is too common"),
        ("PREVIOUS_SECRET_KEYS", "changethis", "SECRET_KEY (and each previous one) must be"),
        ("PASSWORD_HASH_MEMORY_KIB", "4096", "PASSWORD_HASH_MEMORY_KIB must be at least 12288"),
    ],
)
def test_production_refuses_settings_fit_only_for_a_laptop(
    setting: str, value: str, expected: str
) -> None:
    sound = {
        **PRODUCTION,
        "SECRET_KEY": STRONG_KEY,
        "FRONTEND_HOST": "https://app.example.com",
        "BACKEND_CORS_ORIGINS": "https://app.example.com",
    }
    refused = start({**sound, setting: value})
    assert refused.returncode == 1
    problems = [line for line in refused.stderr.splitlines() if line.startswith("  ")]
    assert len(problems) == 1, refused.stderr  # one line per problem, and only this one
    assert expected in problems[0]
    assert "Traceback" not in refused.stderr
