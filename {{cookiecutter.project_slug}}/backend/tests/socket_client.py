"""A small client for the session socket, for tests: send requests, read replies and the close.

Every frame it reads must fit the protocol's description (app/realtime/asyncapi.py), so every
socket test also checks that the description is true.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import jsonschema_rs
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.realtime.asyncapi import document

TIMEOUT = 5.0


def server_frames() -> jsonschema_rs.Validator:
    """What the description says the server may send: any of its messages but the requests."""
    described = document()
    sent = [name for name in described["components"]["messages"] if not is_request(name)]
    return jsonschema_rs.validator_for(
        {
            "anyOf": [{"$ref": f"#/components/messages/{name}/payload"} for name in sent],
            "components": described["components"],
        }
    )


def is_request(message_name: str) -> bool:
    return message_name == "token" or message_name.endswith("Request")


SERVER_FRAMES = server_frames()


def _refuse(constant: str) -> Any:
    raise ValueError(f"the server sent {constant}, which is not JSON")


def strict_json(frame: str | bytes) -> Any:
    """A frame as a browser's JSON.parse reads it: `Infinity` and `NaN` are errors."""
    return json.loads(frame, parse_constant=_refuse)


class SocketClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        # Messages read while looking for another one, in the order they came.
        self.unread: list[dict[str, Any]] = []

    async def send(self, message: Any) -> None:
        """Send a dict as JSON; str and bytes go out as they are (text and binary frames)."""
        frame = message if isinstance(message, str | bytes) else json.dumps(message)
        await self.connection.send(frame)

    async def receive(self) -> dict[str, Any]:
        if self.unread:
            return self.unread.pop(0)
        frame = await asyncio.wait_for(self.connection.recv(), TIMEOUT)
        message: dict[str, Any] = strict_json(frame)
        assert SERVER_FRAMES.is_valid(message), f"not in the protocol's description: {frame!r}"
        return message

    async def next_of(
        self, state: str | None, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """The first message of `state` (any, if None) matching `where`; the others stay unread."""

        def wanted(message: dict[str, Any]) -> bool:
            return state in (None, message["state"]) and (where is None or where(message))

        for index, queued in enumerate(self.unread):
            if wanted(queued):
                return self.unread.pop(index)
        while True:
            message: dict[str, Any] = strict_json(
                await asyncio.wait_for(self.connection.recv(), TIMEOUT)
            )
            if wanted(message):
                return message
            self.unread.append(message)

    async def reply(self, state: str, data: Any, request_id: str) -> dict[str, Any]:
        """Send a request and wait for its answer, whatever else arrives meanwhile."""
        await self.send({"state": state, "data": data, "id": request_id})
        return await self.next_of(None, lambda message: message.get("id") == request_id)

    async def request(
        self, state: str, data: Any = None, request_id: str | int | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"state": state}
        if data is not None:
            message["data"] = data
        if request_id is not None:
            message["id"] = request_id
        await self.send(message)
        return await self.receive()

    async def authenticate(self, token: str) -> dict[str, Any]:
        await self.send({"token": token})
        return await self.receive()

    async def close_code(self) -> int | None:
        """Wait for the server to close the socket; its close code. Fails on any further message."""
        try:
            frame = await asyncio.wait_for(self.connection.recv(), TIMEOUT)
        except ConnectionClosed:
            return self.connection.close_code
        raise AssertionError(f"expected the socket to close, got {frame!r}")

    @property
    def is_open(self) -> bool:
        return self.connection.close_code is None


@asynccontextmanager
async def open_socket(
    url: str, origin: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[SocketClient]:
    async with connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=TIMEOUT,
    ) as connection:
        yield SocketClient(connection)


@asynccontextmanager
async def session(url: str, token: str) -> AsyncIterator[tuple[SocketClient, dict[str, Any]]]:
    """An authenticated socket and its `initialised` message."""
    async with open_socket(url) as client:
        initialised = await client.authenticate(token)
        assert initialised["state"] == "initialised", initialised
        yield client, initialised
