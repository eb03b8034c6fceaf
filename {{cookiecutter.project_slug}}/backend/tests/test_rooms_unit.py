"""The room hub's ordering rules, driven without a server on the in-memory engine."""

import json
import uuid
from typing import Any

import pytest

from app.rooms.broker import Envelope
from app.rooms.hub import RoomHub, Subscriber, update_frame
from app.rooms.memory import MemoryBroker
from app.session.context import Member
from tests.fakes import RecordingSink


def subscriber() -> tuple[Subscriber, RecordingSink]:
    sink = RecordingSink()
    member = Member(id=uuid.uuid4(), email=f"{uuid.uuid4().hex[:6]}@example.com")
    return Subscriber(uuid.uuid4().hex, member, sink), sink


def seqs(sink: RecordingSink) -> list[int]:
    return [m["data"]["seq"] for m in sink.messages if m["state"] == "update"]


@pytest.fixture
async def hub() -> Any:
    hub = RoomHub(MemoryBroker, history_size=5)
    await hub.start()
    yield hub
    await hub.stop()


def test_an_update_frame_is_the_body_with_its_seq() -> None:
    frame = update_frame(7, json.dumps({"room": "r", "payload": {"a": 1}}))
    assert json.loads(frame) == {
        "state": "update",
        "data": {"seq": 7, "room": "r", "payload": {"a": 1}},
    }


async def test_members_get_updates_in_order_and_the_joiner_no_presence_of_itself(
    hub: RoomHub,
) -> None:
    first, first_sink = subscriber()
    second, second_sink = subscriber()
    await hub.join("r", first, since=None)
    await hub.join("r", second, since=None)
    assert [m["state"] for m in first_sink.take()] == ["presence"]
    assert second_sink.take() == []
    for n in range(3):
        await hub.publish("r", first.member, {"n": n})
    assert seqs(first_sink) == seqs(second_sink) == [1, 2, 3]


async def test_a_join_with_since_replays_only_what_the_history_still_holds(
    hub: RoomHub,
) -> None:
    publisher, _ = subscriber()
    await hub.join("r", publisher, since=None)
    for n in range(8):
        await hub.publish("r", publisher.member, {"n": n})
    late, _ = subscriber()
    joined = await hub.join("r", late, since=1)
    # The history keeps 5: updates 4 to 8. 2 and 3 are gone, and the join says so.
    assert [json.loads(frame)["data"]["seq"] for frame in joined.replay] == [4, 5, 6, 7, 8]
    assert joined.history_complete is False
    again, _ = subscriber()
    joined = await hub.join("r", again, since=5)
    assert [json.loads(frame)["data"]["seq"] for frame in joined.replay] == [6, 7, 8]
    assert joined.history_complete is True


async def test_a_gap_in_what_arrives_is_filled_from_the_history(hub: RoomHub) -> None:
    member, sink = subscriber()
    await hub.join("r", member, since=None)
    broker = hub.broker
    assert isinstance(broker, MemoryBroker)
    # Updates 1 and 2 are kept but never delivered (as when a connection drops), then 3 is.
    broker._subscribed.discard("r")
    await hub.publish("r", member.member, {"n": 1})
    await hub.publish("r", member.member, {"n": 2})
    broker._subscribed.add("r")
    await hub.publish("r", member.member, {"n": 3})
    for task in list(hub._tasks):
        await task
    assert seqs(sink) == [1, 2, 3]


async def test_a_duplicate_delivery_is_dropped(hub: RoomHub) -> None:
    member, sink = subscriber()
    await hub.join("r", member, since=None)
    seq = await hub.publish("r", member.member, {"n": 1})
    body = (await hub.broker.history("r", 0))[0][1]
    hub._receive(Envelope("r", seq, body))
    assert seqs(sink) == [1]


async def test_a_second_socket_of_the_same_person_is_not_announced(hub: RoomHub) -> None:
    watcher, watcher_sink = subscriber()
    await hub.join("r", watcher, since=None)
    first, _ = subscriber()
    second = Subscriber(uuid.uuid4().hex, first.member, RecordingSink())
    await hub.join("r", first, since=None)
    joined = await hub.join("r", second, since=None)
    assert [m["id"] for m in joined.members].count(str(first.member.id)) == 1
    await hub.leave("r", first.connection, first.member)
    await hub.leave("r", second.connection, second.member)
    events = [m["data"]["event"] for m in watcher_sink.messages if m["state"] == "presence"]
    assert events == ["joined", "left"]
