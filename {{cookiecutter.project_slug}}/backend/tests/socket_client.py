"""A small client for the session socket, for tests: send requests, read replies and the close."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 5.0


class SocketClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: Any) -> None:
        """Send a dict as JSON; str and bytes go out as they are (text and binary frames)."""
        frame = message if isinstance(message, str | bytes) else json.dumps(message)
        await self.connection.send(frame)

    async def receive(self) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.connection.recv(), TIMEOUT)
        message: dict[str, Any] = json.loads(frame)
        return message

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
async def open_socket(url: str, origin: str | None = None) -> AsyncIterator[SocketClient]:
    async with connect(url, origin=origin, open_timeout=TIMEOUT) as connection:  # type: ignore[arg-type]
        yield SocketClient(connection)


@asynccontextmanager
async def session(url: str, token: str) -> AsyncIterator[tuple[SocketClient, dict[str, Any]]]:
    """An authenticated socket and its `initialised` message."""
    async with open_socket(url) as client:
        initialised = await client.authenticate(token)
        assert initialised["state"] == "initialised", initialised
        yield client, initialised
