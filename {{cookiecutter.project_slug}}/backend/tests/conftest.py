"""The tests talk to the app in this process (httpx's ASGI transport, its lifespan run as a
server runs it) on a database of the run's own, migrated by app.prestart; to a real uvicorn
server, started once, where a test needs one{% if cookiecutter.use_websockets == "yes" %} (its sockets){% endif %}, and to servers of their own
(running_server) for the tests of the launcher, a shutdown or settings of their own.

Each pytest-xdist worker is a run of its own: its folder, database, mailbox{% if cookiecutter.realtime_broker == "redis" %}, Redis keys{% endif %} and server.
"""

{% if cookiecutter.database == "postgresql" or cookiecutter.realtime_broker == "redis" -%}
import asyncio
{% endif -%}
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import httpx
import pytest

from tests.mailbox import Mailbox

BACKEND_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


RUN_DIR = Path(tempfile.mkdtemp(prefix="{{ cookiecutter.project_slug }}-tests-"))

# Where Python may write no bytecode (PYTHONDONTWRITEBYTECODE), each server, prestart and launch
# of this run would compile every module it imports again, seconds of CPU each time: this run and
# its processes share one cache in the run's folder instead, removed with it.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ["PYTHONPYCACHEPREFIX"] = str(RUN_DIR / "pycache")
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
    sys.dont_write_bytecode = False

# Set before anything imports app.core.config, so the tests and the server share these.
{%- if cookiecutter.database == "sqlite" %}
os.environ["SQLITE_PATH"] = str(RUN_DIR / "test.db")
{%- else %}
os.environ["POSTGRES_DB"] = f"test_{{ cookiecutter.project_slug }}_{secrets.token_hex(4)}"
{%- endif %}
os.environ["FIRST_SUPERUSER_PASSWORD"] = secrets.token_urlsafe(16)
# Mail goes to the tests' own SMTP server (tests/mailbox.py), without TLS.
os.environ["SMTP_HOST"] = "127.0.0.1"
os.environ["SMTP_PORT"] = str(free_port())
os.environ["SMTP_TLS"] = "false"
# Every test's client comes from 127.0.0.1, and many fail a password on purpose: far more than one
# person behind one address would. tests/test_account_security.py checks the limit itself.
os.environ["THROTTLE_PER_ADDRESS"] = "100000"
# A first wait far longer than any test takes: "blocked" stays blocked, however slow the machine.
os.environ["THROTTLE_FIRST_DELAY"] = "60"
# Argon2 with 1 MiB, not 64: the tests make and sign in hundreds of accounts, each hash a few
# milliseconds instead of a quarter of a second. Where the cost is what a test is about, its
# server has the default (REAL_PASSWORD_HASH).
os.environ["PASSWORD_HASH_MEMORY_KIB"] = "1024"
{%- if cookiecutter.use_websockets == "yes" %}
# The superuser opens a room for most tests (tests/test_limits.py checks the limit itself).
os.environ["ROOMS_PER_USER"] = "100000"
# A member too slow for 12 MB of updates resumes from the history (tests/test_rooms_unit.py
# checks the byte limit itself).
os.environ["WS_ROOM_HISTORY_BYTES"] = str(32 * 1024 * 1024)
{%- endif %}
{%- if cookiecutter.frontend == "react" %}
# The app serves this stand-in for the built frontend (tests/test_frontend.py checks how);
# tests/e2e start a server of the real build.
TEST_DIST = RUN_DIR / "dist"
(TEST_DIST / "assets").mkdir(parents=True)
(TEST_DIST / "index.html").write_text("<!doctype html><title>Test page</title>\n")
(TEST_DIST / "assets" / "page-1a2b3c.js").write_text("console.log('test page');\n")
os.environ["FRONTEND_DIST"] = str(TEST_DIST)
{%- endif %}
{%- if cookiecutter.realtime_broker == "redis" %}
# Keys and channels of this run only, removed at the end.
os.environ["REDIS_KEY_PREFIX"] = f"test-{secrets.token_hex(4)}:"
{%- endif %}
{%- if cookiecutter.use_websockets == "yes" %}
os.environ["WS_AUTH_TIMEOUT"] = "1"
# Check often that connected users are still active, so deactivation shows within the test.
os.environ["WS_USER_RECHECK"] = "0.2"
# Tests send in bursts far above a person's pace; tests/test_limits.py checks the limits themselves.
os.environ["WS_RATE_LIMIT"] = "10000"
os.environ["WS_RATE_BURST"] = "10000"
# Likewise many sockets at once from one address (tests/test_limits.py checks that cap itself).
os.environ["WS_MAX_UNAUTHENTICATED_PER_ADDRESS"] = "100000"
{%- endif %}


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    # The server's process, when the test started it (to signal it).
    process: subprocess.Popen[bytes] | None = None
{%- if cookiecutter.use_websockets == "yes" %}

    @property
    def ws_url(self) -> str:
        from app.realtime.asyncapi import SOCKET_PATH

        return self.url.replace("http://", "ws://", 1) + SOCKET_PATH
{%- endif %}

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    password: str


{%- if cookiecutter.frontend == "react" %}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests share one Chromium and the servers of the built page (tests/e2e): under
    pytest-xdist (--dist loadgroup, as scripts/test.sh runs it) they run on one worker, which
    starts those once."""
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.xdist_group("e2e"))
{%- endif %}


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not become healthy:\n{log.read_text()}")
{%- if cookiecutter.realtime_broker == "redis" %}


async def _delete_redis_keys() -> None:
    from redis.asyncio import Redis

    from app.core.config import settings

    redis = Redis.from_url(settings.REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}


async def _drop_database(database: str | None = None) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from app.core.config import settings

    admin = create_async_engine(settings.postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        name = (database or settings.POSTGRES_DB).replace('"', '""')
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()
{%- endif %}


def pytest_unconfigure() -> None:
    """The run's folder goes at the end, also where no test needed the database (a run of unit
    tests, or pytest-xdist's controller, which runs none)."""
    shutil.rmtree(RUN_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
{%- if cookiecutter.database == "postgresql" or cookiecutter.realtime_broker == "redis" %}
def database() -> Iterator[None]:
{%- else %}
def database() -> None:
{%- endif %}
    """The run's own database, migrated, with its first superuser."""
    subprocess.run([sys.executable, "-m", "app.prestart"], cwd=BACKEND_DIR, check=True)
{%- if cookiecutter.database == "postgresql" or cookiecutter.realtime_broker == "redis" %}
    yield
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
    asyncio.run(_drop_database())
{%- endif %}
{%- if cookiecutter.realtime_broker == "redis" %}
    asyncio.run(_delete_redis_keys())
{%- endif %}


@contextmanager
def database_of_its_own(name: str, revision: str = "head") -> Iterator[dict[str, str]]:
    """A database beside the run's, for a test that must not touch the run's data: the settings
    that point a server (running_server's `env`) at it. Migrated to the latest revision, with the
    first superuser, or only as far as an earlier `revision`."""
{%- if cookiecutter.database == "sqlite" %}
    env = {"SQLITE_PATH": str(RUN_DIR / f"{name}.db")}
{%- else %}
    env = {"POSTGRES_DB": f"{os.environ['POSTGRES_DB']}_{name}"}
{%- endif %}
{%- if cookiecutter.realtime_broker == "redis" %}
    # Its counts of attempts (app.throttle) apart from the run's, too.
    env["REDIS_KEY_PREFIX"] = f"{os.environ['REDIS_KEY_PREFIX']}{name}:"
{%- endif %}
    steps = [["-m", "app.prestart"]]
    if revision != "head":
        create = "import asyncio; from app.core.db import create_database as c; asyncio.run(c())"
        steps = [["-c", create], ["-m", "alembic", "upgrade", revision]]
    for step in steps:
        subprocess.run(
            [sys.executable, *step],
            cwd=BACKEND_DIR,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
{%- if cookiecutter.database == "sqlite" %}
    yield env
{%- else %}
    try:
        yield env
    finally:
        asyncio.run(_drop_database(env["POSTGRES_DB"]))
{%- endif %}


def real_password_hash() -> dict[str, str]:
    """The settings' own Argon2 memory, for a server whose password checks must cost what
    they do."""
    from app.core.config import Settings

    default = Settings.model_fields["PASSWORD_HASH_MEMORY_KIB"].default
    return {"PASSWORD_HASH_MEMORY_KIB": str(default)}


@contextmanager
def running_server(name: str, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """`python -m app` on a free port, as a separate process, until the block ends."""
    port = free_port()
    log = RUN_DIR / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--port", str(port), *args],
            cwd=BACKEND_DIR,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        yield Server(url=url, log=log, process=process)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """What the app and the servers of this run send by mail (SMTP_HOST/SMTP_PORT point
    here)."""
    box = Mailbox(int(os.environ["SMTP_PORT"]))
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def server(database: None, mailbox: Mailbox) -> Iterator[Server]:
    """A real uvicorn server (`python -m app`) on the run's database, for the tests that need
    one{% if cookiecutter.use_websockets == "yes" %} (their sockets){% endif %}{% if cookiecutter.frontend == "react" %}, a browser{% endif %}."""
    with running_server("server") as running:
        yield running


# An ASGI application, as the tests hand it to httpx.
App = Callable[[Any, Any, Any], Coroutine[Any, Any, None]]


@pytest.fixture(scope="session")
async def asgi_app(database: None, mailbox: Mailbox) -> AsyncIterator[App]:
    """The app in this process, started as a server starts it (its lifespan), on the run's
    database and mailbox."""
    from asgi_lifespan import LifespanManager
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from app.main import app

    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=60) as started:
        # As `python -m app` serves it (proxy_headers): the client's address from
        # X-Forwarded-For when the request comes from a trusted proxy, 127.0.0.1 unless
        # FORWARDED_ALLOW_IPS says otherwise.
        trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
        # (Starlette and uvicorn each type an ASGI app their own way.)
        yield ProxyHeadersMiddleware(cast(Any, started.app), trusted_hosts=trusted)


API = "/api/v1"
# The site the app in this process answers for; its requests come from 127.0.0.1, as a
# client's on this machine do to a server.
IN_PROCESS_URL = "http://testserver"
IN_PROCESS_CLIENT = ("127.0.0.1", 50000)


def in_process_client(app: App, path: str = API) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=IN_PROCESS_CLIENT)
    return httpx.AsyncClient(transport=transport, base_url=f"{IN_PROCESS_URL}{path}")


class NewClient(Protocol):
    def __call__(self, path: str = API) -> httpx.AsyncClient: ...


@pytest.fixture
def new_client(request: pytest.FixtureRequest) -> NewClient:
    """`async with new_client() as phone:` a client of its own (another browser or device, its
    own cookies), at the API unless given another path. Of the app in this process; of the real
    server when the test uses that, so that what the test does over HTTP reaches the process
    that holds what the test made there{% if cookiecutter.use_websockets == "yes" %} (its sockets and rooms){% endif %}."""
    if "server" in request.fixturenames:
        url = request.getfixturevalue("server").url

        def of_server(path: str = API) -> httpx.AsyncClient:
            return httpx.AsyncClient(base_url=f"{url}{path}")

        return of_server
    app = request.getfixturevalue("asgi_app")

    def in_process(path: str = API) -> httpx.AsyncClient:
        return in_process_client(app, path)

    return in_process


@pytest.fixture
async def client(new_client: NewClient) -> AsyncIterator[httpx.AsyncClient]:
    """The test's client of the API (see new_client for which server it talks to)."""
    async with new_client() as http:
        yield http


def site_url(http: httpx.AsyncClient) -> str:
    """The site `http` talks to: scheme, host and port, the origin of its own pages."""
    return f"{http.base_url.scheme}://{http.base_url.netloc.decode()}"


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    response = await http.post("/login/oauth", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in_of(token: str) -> uuid.UUID:
    """The sign-in an access token belongs to, to make other tokens of it."""
    from app.core.security import TokenType, decode_token

    return decode_token(token, TokenType.ACCESS).sign_in_id


@pytest.fixture
def superuser() -> Account:
    from app.core.config import settings

    return Account(uuid.UUID(int=0), settings.FIRST_SUPERUSER, settings.FIRST_SUPERUSER_PASSWORD)


@pytest.fixture
async def superuser_token(asgi_app: App, superuser: Account) -> str:
    async with in_process_client(asgi_app) as http:
        return await login(http, superuser.email, superuser.password)


MakeAccount = Callable[..., Coroutine[Any, Any, Account]]


@pytest.fixture
def make_account(asgi_app: App, superuser_token: str) -> MakeAccount:
    """Create a user through the API (of the app in this process: the account is in the
    database every server of the run shares); a fresh email every time."""

    async def make(**fields: Any) -> Account:
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = secrets.token_urlsafe(12)
        async with in_process_client(asgi_app) as http:
            response = await http.post(
                "/users",
                json={"email": email, "password": password, **fields},
                headers=bearer(superuser_token),
            )
        assert response.status_code == 201, response.text
        return Account(uuid.UUID(response.json()["id"]), email, password)

    return make


{%- if cookiecutter.use_websockets == "yes" %}


async def create_room(
    server_url: str, token: str, *, is_public: bool = True, name: str | None = None
) -> str:
    """A new room of the token's user (public unless asked otherwise); its name."""
    name = name or f"room-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(base_url=f"{server_url}/api/v1") as http:
        response = await http.post(
            "/rooms", json={"name": name, "is_public": is_public}, headers=bearer(token)
        )
    assert response.status_code == 201, response.text
    return name


OpenRoom = Callable[[], Coroutine[Any, Any, str]]


@pytest.fixture
def open_room(server: Server, superuser_token: str) -> OpenRoom:
    """`room = await open_room()`: a new public room, which every signed-in user may join."""
    return lambda: create_room(server.url, superuser_token)
{%- endif %}


@pytest.fixture
async def account(make_account: MakeAccount) -> Account:
    return await make_account()


@pytest.fixture
async def token(client: httpx.AsyncClient, account: Account) -> str:
    return await login(client, account.email, account.password)
