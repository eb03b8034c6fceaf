"""The session page in Chromium, served by the backend: what a user does, what the server sees."""

import asyncio
import json
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.conftest import Account, MakeAccount, create_room
from tests.e2e.conftest import AppServer, access_token, log_in, open_session, screenshot
from tests.socket_client import SocketClient, session


def status(page: Page) -> Locator:
    return page.get_by_test_id("connection-status")


def responses(page: Page, state: str) -> Locator:
    return page.locator(f'[data-testid="response-item"][data-state="{state}"]')


async def send_raw(page: Page, text: str) -> None:
    """Send one frame as it is, through the page's developer section."""
    section = page.get_by_test_id("dev-section")
    if await section.get_attribute("open") is None:
        await section.locator("summary").click()
    await page.get_by_test_id("raw-request-input").fill(text)
    await page.get_by_test_id("raw-send-button").click()


async def presence(watcher: SocketClient, room: str) -> dict[str, Any]:
    """The next presence news about `room` that the watcher's socket gets."""
    while True:
        message = await watcher.receive()
        if message["state"] == "presence" and message["data"]["room"] == room:
            data: dict[str, Any] = message["data"]
            return data


async def test_start_then_save_closes_the_socket(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)
    await expect(page.get_by_test_id("session-user")).to_contain_text(user.email)

    await page.get_by_test_id("start-button").click()
    await expect(responses(page, "startThings")).to_contain_text("yes, something")
    await screenshot(page, "session-started")

    await page.get_by_test_id("save-button").click()
    await expect(page.get_by_test_id("save-result")).to_contain_text('"status": "saved"')
    notice = page.get_by_test_id("socket-closed-notice")
    await expect(notice).to_have_attribute("data-reason", "saved")
    await expect(status(page)).to_have_attribute("data-status", "closed")
    await expect(page.get_by_test_id("start-button")).to_be_disabled()
    await screenshot(page, "session-saved")

    # Saved on the server: the user's next socket has no draft to resume.
    token = await access_token(app_server, user)
    async with session(app_server.ws_url, token) as (_, initialised):
        assert "draft" not in initialised["data"]


async def test_an_invalid_request_shows_the_servers_error(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)

    await send_raw(page, json.dumps({"state": "noSuchState", "data": {}}))

    toast = page.get_by_test_id("toast").filter(has_text="noSuchState")
    await expect(toast).to_have_attribute("data-kind", "error")
    await expect(toast.get_by_test_id("toast-message")).to_have_text(
        "There is no state 'noSuchState'."
    )
    await expect(responses(page, "error")).to_contain_text("unknown_state")
    await screenshot(page, "session-error-toast")

    await send_raw(page, "this is not JSON")

    await expect(
        page.get_by_test_id("toast-message").filter(has_text="The message is not valid JSON.")
    ).to_be_visible()
    await expect(responses(page, "error").first).to_contain_text("invalid_json")
    # Neither error ends the session.
    await expect(status(page)).to_have_attribute("data-status", "open")


async def test_leaving_the_page_closes_the_socket(
    page: Page, app_server: AppServer, user: Account, make_account: MakeAccount
) -> None:
    """Another member of a room the page joined hears the server say it left."""
    member = {"id": str(user.id), "name": f"Member {user.id.hex[:8]}"}
    watcher_token = await access_token(app_server, await make_account())
    room = await create_room(app_server.url, watcher_token)
    async with session(app_server.ws_url, watcher_token) as (watcher, _):
        await watcher.send({"state": "join", "data": {"room": room}})
        assert (await watcher.receive())["state"] == "joined"

        await log_in(page, app_server, user)
        async with page.expect_websocket() as opened:
            await open_session(page)
        browser_socket = await opened.value
        await send_raw(page, json.dumps({"state": "join", "data": {"room": room}}))
        await expect(responses(page, "joined")).to_contain_text(room)
        assert await presence(watcher, room) == {"room": room, "event": "joined", "member": member}

        async with browser_socket.expect_event("close"):
            await page.get_by_test_id("brand").click()
        await expect(page.get_by_test_id("home-greeting")).to_be_visible()

        assert await presence(watcher, room) == {"room": room, "event": "left", "member": member}


async def test_the_page_reconnects_after_a_server_restart(
    page: Page, app_server: AppServer, user: Account
) -> None:
    await log_in(page, app_server, user)
    await open_session(page)
    await page.get_by_test_id("start-button").click()
    await expect(responses(page, "startThings")).to_be_visible()

    app_server.kill()
    await expect(status(page)).to_have_attribute("data-status", "reconnecting")
    await screenshot(page, "session-reconnecting")
    await asyncio.to_thread(app_server.start)

    await expect(status(page)).to_have_attribute("data-status", "open")
    await expect(page.get_by_test_id("draft-notice")).to_be_visible()
    await expect(page.get_by_test_id("draft-data")).to_contain_text("yes, something")
    await screenshot(page, "session-resumed")

    # The resumed draft is the session that the save saves.
    await page.get_by_test_id("save-button").click()
    await expect(page.get_by_test_id("save-result")).to_contain_text('"status": "saved"')
    await expect(page.get_by_test_id("socket-closed-notice")).to_have_attribute(
        "data-reason", "saved"
    )


async def test_the_page_says_the_server_is_restarting_and_resumes_after_it(
    page: Page, app_server: AppServer, user: Account
) -> None:
    """A graceful restart (SIGTERM): the server says it shuts down, and the page waits for it."""
    await log_in(page, app_server, user)
    await open_session(page)
    await page.get_by_test_id("start-button").click()
    await expect(responses(page, "startThings")).to_be_visible()

    await asyncio.to_thread(app_server.stop)
    restarting = page.get_by_test_id("server-restarting")
    await expect(restarting).to_contain_text("The server is restarting")
    await expect(restarting.get_by_test_id("closing-message")).not_to_be_empty()
    await expect(responses(page, "closing")).to_contain_text('"reason": "shutdown"')
    await expect(page.get_by_test_id("reconnect-button")).to_have_count(0)
    await screenshot(page, "session-server-restarting")
    await asyncio.to_thread(app_server.start)

    await expect(status(page)).to_have_attribute("data-status", "open")
    await expect(restarting).to_have_count(0)
    await expect(page.get_by_test_id("draft-data")).to_contain_text("yes, something")
