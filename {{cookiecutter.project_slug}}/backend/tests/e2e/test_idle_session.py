"""A session page left alone: the server closes its socket for inactivity, and the page says so."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Page, WebSocket, expect

from tests.conftest import Account, Server
from tests.e2e.conftest import AppServer, log_in, open_session, screenshot, serving_the_build

IDLE_TIMEOUT_SECONDS = 2


@pytest.fixture(scope="module")
def idle_app_server(server: Server) -> Iterator[AppServer]:
    """A server of the built frontend that closes a socket after 2 s without a frame from it."""
    with serving_the_build(
        "e2e-idle-server", {"WS_IDLE_TIMEOUT": str(IDLE_TIMEOUT_SECONDS)}
    ) as running:
        yield running


def record_frames(page: Page) -> list[dict[str, Any]]:
    """Every JSON frame the page's sockets receive, from now on."""
    frames: list[dict[str, Any]] = []

    def on_frame(payload: str | bytes) -> None:
        if isinstance(payload, str):
            frames.append(json.loads(payload))

    def on_socket(socket: WebSocket) -> None:
        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return frames


async def test_an_idle_session_is_closed_and_reconnects_on_the_button(
    page: Page, idle_app_server: AppServer, user: Account
) -> None:
    frames = record_frames(page)
    await log_in(page, idle_app_server, user)
    await open_session(page)

    # Nothing is sent: the server closes the socket for inactivity, and the page does not reconnect.
    notice = page.get_by_test_id("socket-closed-notice")
    await expect(notice).to_have_attribute("data-reason", "idle")
    await expect(notice).to_contain_text("The session was closed for inactivity.")
    [closing] = [frame for frame in frames if frame["state"] == "closing"]
    assert closing["data"]["reason"] == "idle"
    await expect(notice.get_by_test_id("closing-message")).to_have_text(closing["data"]["message"])
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_attribute("data-status", "closed")
    await expect(page.get_by_role("alert")).to_have_count(0)
    await screenshot(page, "session-idle")

    # A new socket, open again (until the next idle close, two seconds on).
    async with page.expect_websocket():
        await notice.get_by_role("button", name="Reconnect").click()
    await expect(status).to_have_attribute("data-status", "open")
