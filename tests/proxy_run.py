"""The client side of tests/test_reverse_proxy.py, run by a baked project's own Python (its backend/.venv).

Everything goes through the proxy's address only: the page, the API, the session socket, the rooms and
the page in Chromium. Each socket connects from a loopback address of its own (127.0.0.x), so the
backends' logs, which show the client's address that the proxy forwarded, say where each one landed.
Prints one JSON line of what it saw; exits non-zero with the reason on the first thing that is wrong.

    python proxy_run.py <proxy origin> <superuser email> <superuser password>
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import sys
from typing import Any

# Installed in the baked project's environment, which runs this file; not in the template's.
import httpx  # type: ignore[import-not-found, unused-ignore]
from playwright.async_api import async_playwright, expect  # type: ignore[import-not-found, unused-ignore]
from websockets.asyncio.client import connect  # type: ignore[import-not-found, unused-ignore]

TIMEOUT = 10.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"]
# The loopback addresses the clients connect from: the backends log them as the clients' addresses.
HTTP_CLIENT_ADDRESS = "127.0.0.2"
SOCKET_ADDRESSES = ("127.0.0.3", "127.0.0.4")
ROOM_UPDATES = 6


def check(condition: object, message: str) -> None:
    if not condition:
        raise SystemExit(f"proxy_run: {message}")


class Socket:
    """One session socket through the proxy, with replies matched to requests by id."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.unread: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, ws_url: str, token: str, source: str) -> tuple[Socket, dict[str, Any]]:
        connection = await connect(ws_url, open_timeout=TIMEOUT, local_addr=(source, 0))
        socket = cls(connection)
        await connection.send(json.dumps({"token": token}))
        return socket, await socket.next_of(None)

    async def next_of(self, state: str | None, request_id: str | None = None) -> dict[str, Any]:
        def wanted(message: dict[str, Any]) -> bool:
            return state in (None, message["state"]) and request_id in (None, message.get("id"))

        for index, message in enumerate(self.unread):
            if wanted(message):
                return self.unread.pop(index)
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), TIMEOUT))
            if wanted(message):
                return dict(message)
            self.unread.append(message)

    async def request(self, state: str, data: dict[str, Any], request_id: str) -> dict[str, Any]:
        await self.connection.send(json.dumps({"state": state, "data": data, "id": request_id}))
        return await self.next_of(None, request_id)

    async def close(self) -> None:
        await self.connection.close()


async def check_http(origin: str, email: str, password: str) -> dict[str, Any]:
    """The page, its assets compressed, the health probe, login's refresh cookie, headers, body limit."""
    transport = httpx.AsyncHTTPTransport(local_address=HTTP_CLIENT_ADDRESS)
    async with httpx.AsyncClient(base_url=origin, transport=transport, timeout=TIMEOUT) as http:
        page = await http.get("/")
        check(page.status_code == 200, f"GET / answered {page.status_code}")
        check('<div id="root">' in page.text, f"GET / is not the built page:\n{page.text[:500]}")
        check(page.headers.get("x-content-type-options") == "nosniff", f"no security headers: {page.headers}")
        check("strict-transport-security" not in page.headers, "HSTS sent over plain HTTP")
        check("server" not in page.headers, f"the Server header is not removed: {page.headers.get('server')}")

        asset = re.search(r'src="(/assets/[^"]+\.js)"', page.text)
        check(asset, "the page names no script under /assets/")
        assert asset is not None
        script = await http.get(asset[1], headers={"accept-encoding": "gzip"})
        check(script.status_code == 200, f"GET {asset[1]} answered {script.status_code}")
        check(script.headers.get("content-encoding") == "gzip", f"the script is not compressed: {script.headers}")

        health = await http.get("/api/v1/health")
        check(health.status_code == 200, f"the health probe answered {health.status_code}")

        login = await http.post("/api/v1/login/oauth", data={"username": email, "password": password})
        check(login.status_code == 200, f"login answered {login.status_code}: {login.text}")
        cookie = login.headers.get("set-cookie", "")
        check(cookie.startswith("refresh_token=") and "HttpOnly" in cookie, f"no refresh cookie: {cookie!r}")
        check("Secure" in cookie, f"the refresh cookie is not Secure in production: {cookie!r}")

        token = login.json()["access_token"]
        # A body over the proxy's limit is refused there (sent in chunks, as a client that does not
        # announce its length would); the backends stay in the pool (the next requests show it).
        too_big = await http.post(
            "/api/v1/users",
            content=chunks(b'{"email": "' + b"x" * 2_000_000 + b'"}'),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        check(too_big.status_code == 413, f"a 2 MB body answered {too_big.status_code}, not 413")
        return {"token": token, "asset": asset[1]}


async def chunks(data: bytes, size: int = 65536) -> Any:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def make_user(origin: str, admin_token: str) -> tuple[str, str]:
    """A second user, so that two people share a room; its email and access token."""
    email, password = f"proxy-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16)
    async with httpx.AsyncClient(base_url=f"{origin}/api/v1", timeout=TIMEOUT) as http:
        created = await http.post(
            "/users",
            json={"email": email, "password": password},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        check(created.status_code in (200, 201), f"creating a user answered {created.status_code}: {created.text}")
        login = await http.post("/login/oauth", data={"username": email, "password": password})
        check(login.status_code == 200, f"the new user's login answered {login.status_code}")
        return email, str(login.json()["access_token"])


async def make_room(origin: str, owner_token: str, guest_email: str) -> str:
    """A private room of the owner's, with the guest let in; its name."""
    room = f"proxy-{secrets.token_hex(4)}"
    as_owner = {"Authorization": f"Bearer {owner_token}"}
    async with httpx.AsyncClient(base_url=f"{origin}/api/v1", timeout=TIMEOUT, headers=as_owner) as http:
        made = await http.post("/rooms", json={"name": room})
        check(made.status_code == 201, f"creating a room answered {made.status_code}: {made.text}")
        let_in = await http.post(f"/rooms/{room}/members", json={"email": guest_email})
        check(let_in.status_code == 201, f"letting the guest in answered {let_in.status_code}: {let_in.text}")
    return room


async def check_sockets(origin: str, admin_token: str) -> dict[str, Any]:
    """Two sockets held open at once (the proxy puts the second on the other backend), then a shared room."""
    ws_url = origin.replace("http://", "ws://", 1) + "/api/v1/socket"
    guest_email, guest_token = await make_user(origin, admin_token)
    first, initialised = await Socket.open(ws_url, admin_token, SOCKET_ADDRESSES[0])
    check(initialised["state"] == "initialised", f"the socket was not initialised: {initialised}")
    pong = await first.request("ping", {"n": 1}, "p1")
    check(pong == {"state": "pong", "data": {"n": 1}, "id": "p1"}, f"ping got {pong}")
    started = await first.request("startThings", {}, "s1")
    check(started["state"] == "startThings", f"startThings got {started}")

    second, initialised = await Socket.open(ws_url, guest_token, SOCKET_ADDRESSES[1])
    check(initialised["state"] == "initialised", f"the second socket was not initialised: {initialised}")
    members = (first, second)
    room = await make_room(origin, admin_token, guest_email)
    for index, member in enumerate(members):
        joined = await member.request("join", {"room": room}, f"j{index}")
        check(joined["state"] == "joined", f"join got {joined}")
    # Turn about: an update from each backend's member, each published once the last one was.
    for number in range(ROOM_UPDATES):
        published = await members[number % 2].request("publish", {"room": room, "payload": {"n": number}}, f"u{number}")
        check(published["state"] == "published", f"publish got {published}")
    seen = []
    for member in members:
        updates = [await member.next_of("update") for _ in range(ROOM_UPDATES)]
        seen.append([(update["data"]["seq"], update["data"]["payload"]["n"]) for update in updates])
    check(seen[0] == seen[1], f"the members saw different orders: {seen}")
    seqs = [seq for seq, _ in seen[0]]
    check(seqs == list(range(seqs[0], seqs[0] + ROOM_UPDATES)), f"the room's numbers have gaps: {seqs}")
    check([n for _, n in seen[0]] == list(range(ROOM_UPDATES)), f"the updates came out of order: {seen[0]}")
    for member in members:
        await member.close()
    return {"room": room, "updates": seen[0]}


async def check_page(origin: str, email: str, password: str) -> None:
    """The page in Chromium: log in, open the session page, its socket opens."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page()
            await page.goto(f"{origin}/login")
            await page.get_by_test_id("login-email").fill(email)
            await page.get_by_test_id("login-password").fill(password)
            await page.get_by_test_id("login-submit").click()
            await expect(page.get_by_test_id("home-greeting")).to_be_visible(timeout=TIMEOUT * 1000)
            await page.get_by_test_id("session-link").click()
            status = page.get_by_test_id("connection-status")
            await expect(status).to_have_attribute("data-status", "open", timeout=TIMEOUT * 1000)
        finally:
            await browser.close()


async def main(origin: str, email: str, password: str) -> None:
    http = await check_http(origin, email, password)
    sockets = await check_sockets(origin, http["token"])
    await check_page(origin, email, password)
    print(json.dumps({"asset": http["asset"], **sockets, "page": "open"}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    asyncio.run(main(*sys.argv[1:]))
