"""The session socket over a real connection, as the protocol describes it."""

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from websockets.exceptions import InvalidStatus

from app.core.db import open_db
from app.core.security import TokenType, create_token
from app.realtime.models import SessionRecord, SessionStatus
from app.realtime.protocol import LOGGED_OUT_MESSAGE
from tests.conftest import Account, MakeAccount, Server, bearer, login, sign_in_of
from tests.socket_client import open_socket, session

CREDENTIALS_ERROR = {
    "state": "error",
    "error": "Could not validate credentials.",
    "code": "unauthorized",
}


@pytest.fixture(autouse=True)
def _no_unhandled_errors(server: Server, request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a client does, the server logs no unhandled error, unless a test provokes one."""
    start = len(server.log_text())
    yield
    if request.node.get_closest_marker("server_fault") is None:
        logged = server.log_text()[start:]
        assert "Traceback" not in logged, logged
        assert "Exception in ASGI application" not in logged, logged


# Handshake


async def test_a_foreign_origin_is_refused_before_accept(server: Server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with open_socket(server.ws_url, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", ["http://localhost:5173", "same-site", None])
async def test_allowed_same_site_or_absent_origin_is_served(
    server: Server, token: str, origin: str | None
) -> None:
    if origin == "same-site":
        origin = server.url  # the page was served by this server
    async with open_socket(server.ws_url, origin=origin) as client:
        assert (await client.authenticate(token))["state"] == "initialised"


async def test_initialised_carries_the_user(server: Server, account: Account, token: str) -> None:
    async with session(server.ws_url, token) as (_, initialised):
        assert initialised == {
            "state": "initialised",
            "data": {
                "user": {
                    "id": str(account.id),
                    "email": account.email,
                    "name": f"Member {account.id.hex[:8]}",
                }
            },
        }


async def test_no_token_in_time_closes_with_1008(server: Server) -> None:
    async with open_socket(server.ws_url) as client:
        error = await client.receive()  # WS_AUTH_TIMEOUT is 1 s in the tests
        assert error["code"] == "unauthorized"
        assert await client.close_code() == 1008


def _refresh_token(http: httpx.AsyncClient) -> str:
    refresh = http.cookies.get("refresh_token")
    assert refresh
    return refresh


@pytest.mark.parametrize(
    "first_frame",
    [
        "not json",
        json.dumps(["token"]),
        json.dumps({"state": "ping"}),
        json.dumps({"token": 42}),
        json.dumps({"token": "not-a-jwt"}),
    ],
)
async def test_a_first_frame_without_a_valid_token_is_refused(
    server: Server, first_frame: str
) -> None:
    async with open_socket(server.ws_url) as client:
        await client.send(first_frame)
        assert await client.receive() == CREDENTIALS_ERROR
        assert await client.close_code() == 1008


async def test_a_binary_first_frame_is_refused(server: Server) -> None:
    async with open_socket(server.ws_url) as client:
        await client.send(b'{"token": "x"}')
        assert await client.receive() == CREDENTIALS_ERROR
        assert await client.close_code() == 1008


async def test_a_refresh_token_is_not_an_access_token(
    server: Server, client: httpx.AsyncClient, account: Account
) -> None:
    await login(client, account.email, account.password)
    async with open_socket(server.ws_url) as socket:
        assert await socket.authenticate(_refresh_token(client)) == CREDENTIALS_ERROR
        assert await socket.close_code() == 1008


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(
            lambda user, sid: create_token(user, TokenType.ACCESS, timedelta(seconds=-1), sid),
            id="expired",
        ),
        pytest.param(
            lambda user, sid: create_token(user, TokenType.REFRESH, timedelta(minutes=5), sid),
            id="refresh-type",
        ),
        pytest.param(
            lambda user, sid: create_token(
                uuid.uuid4(), TokenType.ACCESS, timedelta(minutes=5), sid
            ),
            id="unknown-user",
        ),
        pytest.param(
            lambda user, sid: (
                create_token(user, TokenType.ACCESS, timedelta(minutes=5), sid)[:-3] + "abc"
            ),
            id="bad-signature",
        ),
    ],
)
async def test_tokens_that_are_not_valid_access_tokens_are_refused(
    server: Server, account: Account, token: str, make_token: object
) -> None:
    # Each is of a live sign-in of the user, but for what is wrong with it.
    made = make_token(account.id, sign_in_of(token))  # type: ignore[operator]
    async with open_socket(server.ws_url) as client:
        assert await client.authenticate(made) == CREDENTIALS_ERROR
        assert await client.close_code() == 1008


async def test_an_inactive_user_is_refused(
    server: Server, client: httpx.AsyncClient, make_account: MakeAccount, superuser_token: str
) -> None:
    active_then = await make_account()
    token = await login(client, active_then.email, active_then.password)
    await client.patch(
        f"/users/{active_then.id}", json={"is_active": False}, headers=bearer(superuser_token)
    )
    async with open_socket(server.ws_url) as socket:
        assert await socket.authenticate(token) == CREDENTIALS_ERROR
        assert await socket.close_code() == 1008


# Requests and responses


async def test_ping_echoes_data_and_the_request_id(server: Server, token: str) -> None:
    async with session(server.ws_url, token) as (client, _):
        assert await client.request("ping", {"n": 1, "nested": {"ok": True}}, "r-1") == {
            "state": "pong",
            "data": {"n": 1, "nested": {"ok": True}},
            "id": "r-1",
        }
        assert await client.request("ping", request_id=7) == {"state": "pong", "data": {}, "id": 7}


async def test_a_response_without_an_id_has_none(server: Server, token: str) -> None:
    async with session(server.ws_url, token) as (client, _):
        assert await client.request("ping") == {"state": "pong", "data": {}}


# Errors that keep the socket open


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        (b"\x00\x01binary", "invalid_json"),
        ("[1, 2]", "invalid_request"),
        ('"ping"', "invalid_request"),
        ('{"data": {}}', "invalid_request"),
        ('{"state": 5}', "invalid_request"),
        ('{"state": "ping", "data": [1]}', "invalid_request"),
        ('{"state": "ping", "data": null}', "invalid_request"),
        ('{"state": "noSuchState"}', "unknown_state"),
        ('{"state": "startThings", "data": {"surprise": 1}}', "invalid_data"),
        ('{"state": "save", "data": {"content": "not an object"}}', "invalid_data"),
        ('{"state": "save"}', "not_allowed"),
    ],
)
async def test_bad_requests_get_an_error_and_the_socket_stays_open(
    server: Server, token: str, frame: str | bytes, code: str
) -> None:
    async with session(server.ws_url, token) as (client, _):
        await client.send(frame)
        error = await client.receive()
        assert error["state"] == "error"
        assert error["code"] == code
        assert isinstance(error["error"], str)
        assert error["error"]
        assert await client.request("ping", {"still": "open"}) == {
            "state": "pong",
            "data": {"still": "open"},
        }


@pytest.mark.parametrize("number", ["1e309", "-1e400", "NaN", "Infinity"])
async def test_numbers_json_cannot_carry_are_refused_by_every_state(
    server: Server, token: str, number: str
) -> None:
    """Never echoed, stored or broadcast: a browser's JSON.parse would throw on the answer."""
    from app.realtime.handlers import registry

    async with session(server.ws_url, token) as (client, _):
        for state in registry.states:
            await client.send('{"state": "' + state + '", "data": {"x": ' + number + '}, "id": 1}')
            error = await client.receive()
            assert error["code"] == "invalid_json", (state, error)
        assert (await client.request("ping", {"x": 1.5e308}))["data"] == {"x": 1.5e308}


async def test_errors_carry_the_request_id(server: Server, token: str) -> None:
    async with session(server.ws_url, token) as (client, _):
        assert (await client.request("noSuchState", request_id="a"))["id"] == "a"
        await client.send({"state": 3, "id": "b"})
        assert (await client.receive())["id"] == "b"


async def test_invalid_data_says_which_field_and_why(server: Server, token: str) -> None:
    async with session(server.ws_url, token) as (client, _):
        error = await client.request("save", {"content": [1, 2]})
        assert error["code"] == "invalid_data"
        assert "data.content" in error["error"]
        assert "dictionary" in error["error"]


# The scaffold's flow


async def _records(user_id: uuid.UUID) -> list[SessionRecord]:
    async with open_db() as db:
        result = await db.execute(select(SessionRecord).where(SessionRecord.user_id == user_id))
        return list(result.scalars())


async def test_start_then_save_persists_and_closes_normally(
    server: Server, account: Account, token: str
) -> None:
    async with session(server.ws_url, token) as (client, _):
        started = await client.request("startThings", request_id="s")
        assert started == {
            "state": "startThings",
            "data": {"something": "yes, something"},
            "id": "s",
        }
        saved = await client.request(
            "save", {"content": {"title": "Mine", "empty": "", "none": None, "count": 0}}, "v"
        )
        assert saved["state"] == "save"
        assert saved["id"] == "v"
        assert await client.close_code() == 1000

    data = saved["data"]
    assert data["status"] == "saved"
    assert data["content"] == {"something": "yes, something", "title": "Mine", "count": 0}
    records = await _records(account.id)
    assert [(str(r.id), r.status, r.content) for r in records] == [
        (data["id"], SessionStatus.SAVED, data["content"])
    ]
    # UUIDs and datetimes leave the server as JSON strings.
    assert uuid.UUID(data["id"])
    saved_at = records[0].saved_at
    assert saved_at is not None
    assert datetime.fromisoformat(data["saved_at"]) == saved_at


async def test_an_unsaved_session_comes_back_as_a_draft(
    server: Server, account: Account, token: str
) -> None:
    async with session(server.ws_url, token) as (client, initialised):
        assert "draft" not in initialised["data"]
        await client.request("startThings")
    # The client went away without saving: the next socket resumes the draft, and can save it.
    async with session(server.ws_url, token) as (client, initialised):
        draft = initialised["data"]["draft"]
        assert draft["status"] == "draft"
        assert draft["content"] == {"something": "yes, something"}
        saved = await client.request("save", {"content": {"note": "resumed"}})
        assert saved["data"]["id"] == draft["id"]
        assert saved["data"]["content"]["note"] == "resumed"
        assert await client.close_code() == 1000
    async with session(server.ws_url, token) as (_, initialised):
        assert "draft" not in initialised["data"]


async def test_a_client_that_vanishes_keeps_its_draft(
    server: Server, account: Account, token: str
) -> None:
    async with session(server.ws_url, token) as (client, _):
        await client.request("startThings")
        client.connection.transport.abort()  # no close handshake: the network dropped
    async with session(server.ws_url, token) as (_, initialised):
        assert initialised["data"]["draft"]["content"] == {"something": "yes, something"}


async def test_a_new_start_replaces_the_draft(server: Server, account: Account, token: str) -> None:
    for _ in range(2):
        async with session(server.ws_url, token) as (client, _):
            await client.request("startThings")
    drafts = [r for r in await _records(account.id) if r.status == SessionStatus.DRAFT]
    assert len(drafts) == 1


# Authorization during the session


async def test_an_access_token_that_expires_mid_session_ends_it(
    server: Server, account: Account, token: str
) -> None:
    short = create_token(account.id, TokenType.ACCESS, timedelta(seconds=2), sign_in_of(token))
    async with session(server.ws_url, short) as (client, _):
        assert (await client.request("ping"))["state"] == "pong"
        # No request needed: the server ends the session when the token expires.
        expired = {**CREDENTIALS_ERROR, "error": "Your access token has expired; log in again."}
        assert await client.receive() == expired
        assert await client.close_code() == 1008


async def test_a_user_deactivated_mid_session_is_closed(
    server: Server, client: httpx.AsyncClient, account: Account, token: str, superuser_token: str
) -> None:
    async with session(server.ws_url, token) as (socket, _):
        assert (await socket.request("ping"))["state"] == "pong"
        response = await client.patch(
            f"/users/{account.id}", json={"is_active": False}, headers=bearer(superuser_token)
        )
        assert response.status_code == 200
        # WS_USER_RECHECK is 0.2 s in the tests.
        assert await socket.receive() == {
            "state": "error",
            "error": LOGGED_OUT_MESSAGE,
            "code": "unauthorized",
        }
        assert await socket.close_code() == 1008


# Faults


@pytest.mark.server_fault
async def test_a_server_fault_is_reported_without_internals_and_closes_with_1011(
    server: Server, token: str
) -> None:
    async with session(server.ws_url, token) as (client, _):
        async with open_db() as db:
            await db.execute(text("ALTER TABLE session_records RENAME TO session_records_away"))
            await db.commit()
        try:
            error = await client.request("startThings", request_id="boom")
            assert await client.close_code() == 1011
        finally:
            async with open_db() as db:
                await db.execute(text("ALTER TABLE session_records_away RENAME TO session_records"))
                await db.commit()
    assert error == {
        "state": "error",
        "error": "Something went wrong on the server; please try again.",
        "code": "internal",
        "id": "boom",
    }
    # The trace is in the server's log, where it belongs.
    assert "Traceback" in server.log_text()
    assert "session_records" in server.log_text()


async def test_the_server_serves_new_sessions_after_a_fault(server: Server, token: str) -> None:
    async with session(server.ws_url, token) as (client, _):
        assert (await client.request("ping"))["state"] == "pong"


async def test_compression_is_off(server: Server, token: str) -> None:
    async with open_socket(server.ws_url) as client:
        # The client offers permessage-deflate; the server declines it.
        assert client.connection.response is not None
        assert "Sec-WebSocket-Extensions" not in client.connection.response.headers
