"""The session's rules without a server: parsing, dispatch, errors and clean-up."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum

import pytest
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.config import settings
from app.core.db import open_db
from app.realtime.connections import Connections
from app.realtime.context import Member, SessionContext
from app.realtime.dispatch import handle_request
from app.realtime.protocol import (
    CloseCode,
    ErrorCode,
    Request,
    Response,
    SocketError,
    encode,
    parse_request,
)
from app.realtime.registry import Reply, StateRegistry
from app.realtime.states import sanitize_data_request
from tests.fakes import RecordingSink


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"a": 1, "b": None, "c": "", "d": [], "e": {}}, {"a": 1}),
        ({"keep": False, "zero": 0, "float": 0.0}, {"keep": False, "zero": 0, "float": 0.0}),
        ({"nested": {"gone": None, "inner": {"x": ""}}}, {}),
        ({"list": [1, None, "", [], "x", {"y": None}]}, {"list": [1, "x"]}),
        ({"": "no key", "ok": "yes"}, {"ok": "yes"}),
        ((1, None, 2), (1, 2)),
        ("text", "text"),
    ],
)
def test_sanitize_drops_empty_values_only(data: object, expected: object) -> None:
    assert sanitize_data_request(data) == expected


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("nope", ErrorCode.INVALID_JSON),
        ("NaN", ErrorCode.INVALID_JSON),
        (b"{}", ErrorCode.INVALID_JSON),
        ("[]", ErrorCode.INVALID_REQUEST),
        ("{}", ErrorCode.INVALID_REQUEST),
        ('{"state": ["x"]}', ErrorCode.INVALID_REQUEST),
        ('{"state": "x", "data": "y"}', ErrorCode.INVALID_REQUEST),
        ('{"state": "x", "id": {"no": 1}}', ErrorCode.INVALID_REQUEST),
    ],
)
def test_parse_request_refuses(frame: str | bytes, code: ErrorCode) -> None:
    with pytest.raises(SocketError) as refused:
        parse_request(frame)
    assert refused.value.code == code
    assert refused.value.close_code is None


def test_parse_request_defaults_data_and_keeps_the_id() -> None:
    assert parse_request('{"state": "a", "id": "q"}') == Request(state="a", data={}, id="q")


@pytest.mark.parametrize("request_id", [2**53, -(2**53), 10**30, "x" * 129, True, 1.5])
def test_an_id_a_browser_would_read_changed_is_refused_and_not_echoed(request_id: object) -> None:
    with pytest.raises(SocketError) as refused:
        parse_request(json.dumps({"state": "ping", "id": request_id}))
    assert refused.value.code is ErrorCode.INVALID_REQUEST
    assert refused.value.request_id is None


def test_the_largest_safe_integer_is_an_id() -> None:
    assert parse_request(json.dumps({"state": "a", "id": 2**53 - 1})).id == 2**53 - 1


def test_a_refused_request_keeps_a_readable_id() -> None:
    with pytest.raises(SocketError) as refused:
        parse_request('{"state": 1, "id": "keep"}')
    assert refused.value.request_id == "keep"


def test_encode_serialises_what_handlers_return() -> None:
    class Colour(Enum):
        RED = "red"

    some_id = uuid.uuid4()
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    decoded = json.loads(
        encode({"id": some_id, "at": when, "price": Decimal("1.50"), "colour": Colour.RED})
    )
    assert decoded == {
        "id": str(some_id),
        "at": "2026-01-02T03:04:05Z",
        "price": "1.50",
        "colour": "red",
    }


def test_errors_that_close_have_their_close_codes() -> None:
    assert SocketError(ErrorCode.UNAUTHORIZED, "x").close_code == CloseCode.POLICY_VIOLATION
    assert SocketError(ErrorCode.INTERNAL, "x").close_code == CloseCode.INTERNAL_ERROR
    assert SocketError(ErrorCode.NOT_ALLOWED, "x").close_code is None


class Echo(BaseModel):
    word: str


def _context() -> SessionContext:
    return SessionContext(
        member=Member(id=uuid.uuid4(), name="Ada"),
        token_expires_at=datetime.now(UTC) + timedelta(minutes=5),
        sign_in_id=uuid.uuid4(),
        open_db=open_db,
        outbox=RecordingSink(),
    )


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> StateRegistry:
    monkeypatch.setattr(settings, "WS_USER_RECHECK", 3600.0)
    registry = StateRegistry()

    async def echo(context: SessionContext, data: Echo) -> Response:
        return Response(state="echo", data={"word": data.word})

    async def explode(context: SessionContext, data: Echo) -> Response:
        raise RuntimeError("secret internals")

    registry.add("echo", echo, Reply("echo", Echo))
    registry.add("explode", explode, Reply("explode"))
    return registry


async def test_dispatch_validates_data_with_the_handlers_model(registry: StateRegistry) -> None:
    outcome = await handle_request(registry, _context(), Request(state="echo", data={"word": "hi"}))
    assert [json.loads(frame) for frame in outcome.frames] == [
        {"state": "echo", "data": {"word": "hi"}}
    ]
    outcome = await handle_request(registry, _context(), Request(state="echo", id=1))
    error = json.loads(outcome.frames[0])
    assert error["code"] == "invalid_data"
    assert error["error"] == "data.word: Field required"
    assert error["id"] == 1
    assert outcome.close_code is None


async def test_an_unknown_state_is_named(registry: StateRegistry) -> None:
    outcome = await handle_request(registry, _context(), Request(state="nope"))
    assert json.loads(outcome.frames[0])["error"] == "There is no state 'nope'."


async def test_a_handler_fault_is_internal_and_hides_its_message(
    registry: StateRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    outcome = await handle_request(
        registry, _context(), Request(state="explode", data={"word": "x"}, id="z")
    )
    error = json.loads(outcome.frames[0])
    assert error["code"] == "internal"
    assert error["id"] == "z"
    assert "secret internals" not in outcome.frames[0]
    assert outcome.close_code == CloseCode.INTERNAL_ERROR
    assert "secret internals" in caplog.text


async def test_an_expired_token_ends_the_session(registry: StateRegistry) -> None:
    context = _context()
    context.token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    outcome = await handle_request(registry, context, Request(state="echo", data={"word": "x"}))
    assert json.loads(outcome.frames[0])["code"] == "unauthorized"
    assert outcome.close_code == CloseCode.POLICY_VIOLATION


def test_a_state_is_registered_once_and_needs_a_model() -> None:
    registry = StateRegistry()

    async def one(context: SessionContext, data: Echo) -> Response:
        return Response(state="one")

    registry.add("one", one, Reply("one"))
    with pytest.raises(ValueError, match="already has a handler"):
        registry.add("one", one, Reply("one"))

    async def untyped(context: SessionContext, data: dict) -> Response:  # type: ignore[type-arg]
        return Response(state="untyped")

    with pytest.raises(TypeError, match="pydantic model"):
        registry.add("untyped", untyped, Reply("untyped"))
    assert registry.states == ["one"]


async def test_a_busy_database_delays_the_users_recheck_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The watcher's recheck of connected users finds the database as busy as a request would
    (no connection within DB_POOL_TIMEOUT): a warning, and the next round tries again."""
    monkeypatch.setattr(settings, "WS_USER_RECHECK", 0.05)
    watched = Connections()
    rounds: list[int] = []
    second_round = asyncio.Event()

    async def busy() -> None:
        rounds.append(len(rounds))
        if len(rounds) > 1:
            second_round.set()
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached")

    monkeypatch.setattr(watched, "end_inactive_users", busy)
    await watched.start()
    try:
        async with asyncio.timeout(5):
            await second_round.wait()
    finally:
        await watched.stop()
    busy_records = [r for r in caplog.records if "recheck" in r.getMessage()]
    assert busy_records, caplog.text
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in busy_records)
