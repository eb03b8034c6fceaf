"""Rooms over a real connection: members, presence, one ordered sequence, resuming, slow members."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, suppress
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import Account, MakeAccount, OpenRoom, Server, bearer, create_room, login
from tests.socket_client import SocketClient, session


def in_room(room: str) -> Callable[[dict[str, Any]], bool]:
    return lambda message: message["data"].get("room") == room


async def join(
    client: SocketClient, room: str, since: int | None = None, epoch: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"room": room}
    if since is not None:
        data["since"] = since
    if epoch is not None:
        data["epoch"] = epoch
    await client.send({"state": "join", "data": data, "id": f"join-{room}"})
    joined = await client.next_of("joined", in_room(room))
    assert joined["id"] == f"join-{room}"
    return joined


async def updates(client: SocketClient, room: str, count: int) -> list[dict[str, Any]]:
    return [(await client.next_of("update", in_room(room)))["data"] for _ in range(count)]


@pytest.fixture
async def people(
    server: Server, client: httpx.AsyncClient, make_account: MakeAccount
) -> AsyncIterator[Callable[[], Any]]:
    """Open authenticated sockets for new users: `alice, token = await people()`."""
    async with AsyncExitStack() as stack:

        async def person() -> tuple[SocketClient, Account]:
            account = await make_account()
            token = await login(client, account.email, account.password)
            socket, _ = await stack.enter_async_context(session(server.ws_url, token))
            return socket, account

        yield person


def member(account: Account) -> dict[str, str]:
    """How the others see an account made by make_account (which gives it no name)."""
    return {"id": str(account.id), "name": f"Member {account.id.hex[:8]}"}


async def test_joining_lists_the_members_and_tells_the_others(
    people: Any, open_room: OpenRoom
) -> None:
    room = await open_room()
    (alice, alice_account), (bob, bob_account) = await people(), await people()

    joined = await join(alice, room)
    epoch = joined["data"]["epoch"]
    assert joined["data"] == {
        "room": room,
        "seq": 0,
        "epoch": epoch,
        "members": [member(alice_account)],
    }

    joined = await join(bob, room)
    members = joined["data"]["members"]
    assert sorted(m["id"] for m in members) == sorted([str(alice_account.id), str(bob_account.id)])
    presence = await alice.next_of("presence", in_room(room))
    assert presence["data"] == {"room": room, "event": "joined", "member": member(bob_account)}


async def test_an_update_reaches_every_member_and_the_sender_is_told_its_seq(
    people: Any, open_room: OpenRoom
) -> None:
    room = await open_room()
    (alice, alice_account), (bob, _), (carol, _) = await people(), await people(), await people()
    # One room, one numbering: every member joined into the same epoch.
    (epoch,) = {(await join(socket, room))["data"]["epoch"] for socket in (alice, bob, carol)}

    await alice.send({"state": "publish", "data": {"room": room, "payload": {"n": 1}}, "id": "p1"})
    published = await alice.next_of("published")
    assert published == {"state": "published", "data": {"room": room, "seq": 1}, "id": "p1"}
    expected = {
        "room": room,
        "seq": 1,
        "epoch": epoch,
        "sender": member(alice_account),
        "payload": {"n": 1},
    }
    for socket in (alice, bob, carol):
        assert await updates(socket, room, 1) == [expected]


async def test_concurrent_publishers_share_one_gapless_sequence(
    people: Any, open_room: OpenRoom
) -> None:
    room = await open_room()
    (alice, _), (bob, _), (carol, _) = await people(), await people(), await people()
    for socket in (alice, bob, carol):
        await join(socket, room)
    per_publisher = 40

    async def publish_all(socket: SocketClient, name: str) -> None:
        for n in range(per_publisher):
            payload = {"from": name, "n": n}
            await socket.send({"state": "publish", "data": {"room": room, "payload": payload}})

    await asyncio.gather(publish_all(alice, "alice"), publish_all(bob, "bob"))
    seen = [await updates(socket, room, 2 * per_publisher) for socket in (alice, bob, carol)]
    assert [update["seq"] for update in seen[0]] == list(range(1, 2 * per_publisher + 1))
    assert seen[0] == seen[1] == seen[2]
    for name in ("alice", "bob"):
        theirs = [update["payload"]["n"] for update in seen[0] if update["payload"]["from"] == name]
        assert theirs == list(range(per_publisher))  # each publisher's own order is kept
    acks = [(await alice.next_of("published"))["data"]["seq"] for _ in range(per_publisher)]
    assert acks == sorted(acks)
    assert {u["seq"] for u in seen[0] if u["payload"]["from"] == "alice"} == set(acks)


async def test_rejoining_with_since_replays_exactly_what_was_missed(
    server: Server,
    people: Any,
    client: httpx.AsyncClient,
    account: Account,
    open_room: OpenRoom,
) -> None:
    room = await open_room()
    alice, _ = await people()
    await join(alice, room)
    token = await login(client, account.email, account.password)

    async def publish(n: int) -> None:
        await alice.send({"state": "publish", "data": {"room": room, "payload": {"n": n}}})

    async with session(server.ws_url, token) as (bob, _):
        epoch = (await join(bob, room))["data"]["epoch"]
        for n in range(3):
            await publish(n)
        last_seen = (await updates(bob, room, 3))[-1]["seq"]
    assert last_seen == 3
    for n in range(3, 8):
        await publish(n)
    await updates(alice, room, 8)

    async with session(server.ws_url, token) as (bob, _):
        joined = await join(bob, room, since=last_seen, epoch=epoch)
        assert joined["data"]["seq"] == 8
        assert joined["data"]["history_complete"] is True
        # The replay comes right after `joined`, before anything live.
        replayed = [await bob.receive() for _ in range(5)]
        assert [m["state"] for m in replayed] == ["update"] * 5
        assert [m["data"]["seq"] for m in replayed] == [4, 5, 6, 7, 8]
        assert [m["data"]["payload"]["n"] for m in replayed] == [3, 4, 5, 6, 7]
        await publish(8)
        assert [u["seq"] for u in await updates(bob, room, 1)] == [9]


async def test_leaving_and_closing_tell_the_others(people: Any, open_room: OpenRoom) -> None:
    room = await open_room()
    (alice, _), (bob, bob_account) = await people(), await people()
    await join(alice, room)
    await join(bob, room)
    await alice.next_of("presence", in_room(room))

    assert await bob.request("leave", {"room": room}, "l") == {
        "state": "left",
        "data": {"room": room},
        "id": "l",
    }
    left = await alice.next_of("presence", in_room(room))
    assert left["data"] == {"room": room, "event": "left", "member": member(bob_account)}
    refused = await bob.request("publish", {"room": room, "payload": {}})
    assert refused["code"] == "not_allowed"

    carol, carol_account = await people()
    await join(carol, room)
    await alice.next_of("presence", in_room(room))
    await carol.connection.close()
    gone = await alice.next_of("presence", in_room(room))
    assert gone["data"] == {"room": room, "event": "left", "member": member(carol_account)}


@pytest.mark.parametrize(
    ("state", "data", "code"),
    [
        ("publish", {"room": "never-joined", "payload": {}}, "not_allowed"),
        ("leave", {"room": "never-joined"}, "not_allowed"),
        ("join", {"room": "has spaces"}, "invalid_data"),
        ("join", {"room": ""}, "invalid_data"),
        ("join", {"room": "ok", "since": -1}, "invalid_data"),
        ("publish", {"room": "ok", "payload": "text"}, "invalid_data"),
        ("publish", {"room": "ok"}, "invalid_data"),
    ],
)
async def test_bad_room_requests_are_refused_and_the_socket_stays_open(
    people: Any, state: str, data: dict[str, Any], code: str
) -> None:
    alice, _ = await people()
    error = await alice.request(state, data, "x")
    assert error["state"] == "error"
    assert error["code"] == code
    assert error["id"] == "x"
    assert (await alice.request("ping"))["state"] == "pong"


async def test_joining_twice_is_refused(people: Any, open_room: OpenRoom) -> None:
    room = await open_room()
    alice, _ = await people()
    await join(alice, room)
    assert (await alice.request("join", {"room": room}))["code"] == "not_allowed"


async def test_one_person_with_two_sockets_is_one_member(
    server: Server,
    people: Any,
    client: httpx.AsyncClient,
    account: Account,
    open_room: OpenRoom,
) -> None:
    room = await open_room()
    alice, _ = await people()
    await join(alice, room)
    token = await login(client, account.email, account.password)
    async with (
        session(server.ws_url, token) as (first, _),
        session(server.ws_url, token) as (
            second,
            _,
        ),
    ):
        await join(first, room)
        joined = await join(second, room)
        assert [m["id"] for m in joined["data"]["members"]].count(str(account.id)) == 1
        await first.request("leave", {"room": room})
        await second.request("leave", {"room": room})
    presence = [await alice.next_of("presence", in_room(room)) for _ in range(2)]
    assert [p["data"]["event"] for p in presence] == ["joined", "left"]


async def test_a_member_that_cannot_keep_up_is_closed_with_1013_and_resumes(
    server: Server,
    people: Any,
    client: httpx.AsyncClient,
    account: Account,
    open_room: OpenRoom,
) -> None:
    room = await open_room()
    alice, _ = await people()
    await join(alice, room)
    token = await login(client, account.email, account.password)
    # A client that stops reading: its receive buffer holds 2 frames, then TCP backs up.
    async with connect(server.ws_url, max_queue=2, open_timeout=5) as slow_connection:
        slow = SocketClient(slow_connection)
        assert (await slow.authenticate(token))["state"] == "initialised"
        await join(slow, room)
        big = "x" * 20_000
        count = 600

        # The publisher waits for each acknowledgement, so it reads as fast as it is sent to;
        # the slow member never holds it up.
        for n in range(count):
            data = {"room": room, "payload": {"n": n, "big": big}}
            assert (await alice.reply("publish", data, f"p{n}"))["state"] == "published"
        got = await updates(alice, room, count)
        assert [u["payload"]["n"] for u in got] == list(range(count))
        # The slow one reads what reached it, then finds the socket closed with 1013.
        last_seen = 0

        async def read_until_closed() -> None:
            nonlocal last_seen
            with suppress(ConnectionClosed):
                async for frame in slow_connection:
                    message = json.loads(frame)
                    if message["state"] == "update":
                        assert message["data"]["seq"] == last_seen + 1
                        last_seen = message["data"]["seq"]

        await asyncio.wait_for(read_until_closed(), 30)
        assert slow_connection.close_code == 1013
    assert last_seen < count
    # It rejoins with `since` and gets the rest: nothing missed, nothing twice.
    async with session(server.ws_url, token) as (again, _):
        joined = await join(again, room, since=last_seen)
        assert joined["data"]["history_complete"] is True
        rest = [(await again.next_of("update"))["data"]["seq"] for _ in range(count - last_seen)]
        assert rest == list(range(last_seen + 1, count + 1))


# Who may be in a room


async def refusal(client: SocketClient, room: str) -> str:
    await client.send({"state": "join", "data": {"room": room}, "id": "refused"})
    error = await client.next_of("error")
    assert (error["id"], error["code"]) == ("refused", "not_allowed"), error
    message: str = error["error"]
    return message


@pytest.fixture
async def owner(client: httpx.AsyncClient, make_account: MakeAccount) -> tuple[Account, str]:
    account = await make_account()
    return account, await login(client, account.email, account.password)


async def test_a_private_room_admits_its_owner_and_the_people_let_in_only(
    server: Server, people: Any, client: httpx.AsyncClient, owner: tuple[Account, str]
) -> None:
    owner_account, owner_token = owner
    room = await create_room(server.url, owner_token, is_public=False)
    (guest, guest_account), (stranger, _) = await people(), await people()

    missing = await refusal(stranger, f"no-such-{uuid.uuid4().hex[:8]}")
    assert await refusal(stranger, room) == missing.replace(missing.split("'")[1], room)
    assert await refusal(guest, room)
    let_in = await client.post(
        f"/rooms/{room}/members", json={"email": guest_account.email}, headers=bearer(owner_token)
    )
    assert let_in.status_code == 201, let_in.text
    assert let_in.json() == member(guest_account)

    async with session(server.ws_url, owner_token) as (owner_socket, _):
        await join(owner_socket, room)
        joined = await join(guest, room)
        assert {m["id"] for m in joined["data"]["members"]} == {
            str(owner_account.id),
            str(guest_account.id),
        }
        assert "@" not in json.dumps(joined), "members are named, never by their address"
    assert await refusal(stranger, room)


async def test_the_rooms_a_user_sees_are_those_they_may_join(
    server: Server, client: httpx.AsyncClient, owner: tuple[Account, str], make_account: MakeAccount
) -> None:
    _, owner_token = owner
    private = await create_room(server.url, owner_token, is_public=False)
    public = await create_room(server.url, owner_token, is_public=True)
    stranger = await make_account()
    stranger_token = await login(client, stranger.email, stranger.password)

    def names(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {room["name"] for room in response.json()["data"]}

    assert {private, public} <= names(await client.get("/rooms", headers=bearer(owner_token)))
    seen = names(await client.get("/rooms", params={"limit": 100}, headers=bearer(stranger_token)))
    assert public in seen
    assert private not in seen
    for path in (f"/rooms/{private}", f"/rooms/no-such-{uuid.uuid4().hex[:8]}"):
        answer = await client.get(path, headers=bearer(stranger_token))
        assert answer.status_code == 404, "a private room and a missing one look the same"
    detail = await client.get(f"/rooms/{public}", headers=bearer(stranger_token))
    assert detail.json()["is_owner"] is False
    assert detail.json()["members"] == []
    taken = await client.post(
        "/rooms", json={"name": public, "is_public": False}, headers=bearer(stranger_token)
    )
    assert taken.status_code == 409


async def test_only_the_owner_changes_a_room(
    server: Server, client: httpx.AsyncClient, owner: tuple[Account, str], make_account: MakeAccount
) -> None:
    _, owner_token = owner
    room = await create_room(server.url, owner_token, is_public=True)
    other = await make_account()
    other_token = await login(client, other.email, other.password)
    for method, path, body in (
        ("PATCH", f"/rooms/{room}", {"is_public": False}),
        ("DELETE", f"/rooms/{room}", None),
        ("POST", f"/rooms/{room}/members", {"email": other.email}),
    ):
        answer = await client.request(method, path, json=body, headers=bearer(other_token))
        assert answer.status_code == 403, (method, path, answer.text)
    nobody = await client.post(
        f"/rooms/{room}/members", json={"email": "nobody@example.com"}, headers=bearer(owner_token)
    )
    assert nobody.status_code == 400
    added = await client.post(
        f"/rooms/{room}/members", json={"email": other.email}, headers=bearer(owner_token)
    )
    assert added.status_code == 201
    again = await client.post(
        f"/rooms/{room}/members", json={"email": other.email}, headers=bearer(owner_token)
    )
    assert again.status_code == 409
    # A member may leave for good on their own.
    gone = await client.delete(f"/rooms/{room}/members/{other.id}", headers=bearer(other_token))
    assert gone.status_code == 204
    detail = await client.get(f"/rooms/{room}", headers=bearer(owner_token))
    assert detail.json()["members"] == []
    # The owner is not a member to take out: the room is deleted instead.
    owner_id = detail.json()["owner"]["id"]
    stays = await client.delete(f"/rooms/{room}/members/{owner_id}", headers=bearer(owner_token))
    assert stays.status_code == 409, stays.text


async def test_people_taken_out_are_put_out_of_the_room_at_once(
    server: Server, people: Any, client: httpx.AsyncClient, owner: tuple[Account, str]
) -> None:
    _, owner_token = owner
    room = await create_room(server.url, owner_token, is_public=False)
    (guest, guest_account), (other, other_account) = await people(), await people()
    for account in (guest_account, other_account):
        added = await client.post(
            f"/rooms/{room}/members", json={"email": account.email}, headers=bearer(owner_token)
        )
        assert added.status_code == 201
    await join(guest, room)
    await join(other, room)

    removed = await client.delete(
        f"/rooms/{room}/members/{guest_account.id}", headers=bearer(owner_token)
    )
    assert removed.status_code == 204
    told = await guest.next_of("left", in_room(room))
    assert told["data"] == {"room": room, "reason": "removed"}
    assert "id" not in told
    presence = await other.next_of("presence", in_room(room))
    assert presence["data"] == {"room": room, "event": "left", "member": member(guest_account)}
    await guest.send({"state": "publish", "data": {"room": room, "payload": {"n": 1}}})
    assert (await guest.next_of("error"))["code"] == "not_allowed"
    assert await refusal(guest, room)

    # Opening the room keeps everyone in; deleting it puts everyone out.
    opened = await client.patch(
        f"/rooms/{room}", json={"is_public": True}, headers=bearer(owner_token)
    )
    assert opened.status_code == 200
    assert opened.json()["is_public"] is True
    await join(guest, room)
    deleted = await client.delete(f"/rooms/{room}", headers=bearer(owner_token))
    assert deleted.status_code == 204
    for socket in (guest, other):
        told = await socket.next_of("left", in_room(room))
        assert told["data"] == {"room": room, "reason": "deleted"}
    assert await refusal(other, room)


async def test_closing_a_room_puts_out_those_not_let_in(
    server: Server, people: Any, client: httpx.AsyncClient, owner: tuple[Account, str]
) -> None:
    owner_account, owner_token = owner
    room = await create_room(server.url, owner_token, is_public=True)
    ((passer_by, _),) = [await people()]
    async with session(server.ws_url, owner_token) as (owner_socket, _):
        await join(owner_socket, room)
        await join(passer_by, room)
        closed = await client.patch(
            f"/rooms/{room}", json={"is_public": False}, headers=bearer(owner_token)
        )
        assert closed.status_code == 200
        told = await passer_by.next_of("left", in_room(room))
        assert told["data"] == {"room": room, "reason": "removed"}
        await owner_socket.send({"state": "publish", "data": {"room": room, "payload": {}}})
        assert (await owner_socket.next_of("published"))["data"]["seq"] == 1
        assert (await owner_socket.next_of("update", in_room(room)))["data"]["sender"] == member(
            owner_account
        )


async def test_a_room_made_again_under_a_deleted_ones_name_has_none_of_its_past(
    server: Server, people: Any, client: httpx.AsyncClient, owner: tuple[Account, str]
) -> None:
    _, owner_token = owner
    room = await create_room(server.url, owner_token, is_public=False)
    async with session(server.ws_url, owner_token) as (owner_socket, _):
        first = (await join(owner_socket, room))["data"]
        await owner_socket.send(
            {"state": "publish", "data": {"room": room, "payload": {"secret": 1}}}
        )
        await updates(owner_socket, room, 1)
        deleted = await client.delete(f"/rooms/{room}", headers=bearer(owner_token))
        assert deleted.status_code == 204
        await owner_socket.next_of("left", in_room(room))
    newcomer, newcomer_account = await people()
    newcomer_token = await login(client, newcomer_account.email, newcomer_account.password)
    assert await create_room(server.url, newcomer_token, name=room, is_public=True) == room
    joined = (await join(newcomer, room, since=0))["data"]
    assert joined["seq"] == 0
    assert joined["epoch"] != first["epoch"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(newcomer.next_of("update", in_room(room)), 0.5)
