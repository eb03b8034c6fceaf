"""The room hub's ordering rules, driven without a server on the in-memory engine."""

import asyncio
import json
import uuid
from functools import partial
from typing import Any

import pytest

from app.realtime.context import Member
from app.realtime.rooms.broker import Envelope, History
from app.realtime.rooms.hub import RoomHub, RoomsFull, Subscriber, update_frame
from app.realtime.rooms.memory import MemoryBroker
from tests.fakes import RecordingSink


def subscriber() -> tuple[Subscriber, RecordingSink]:
    sink = RecordingSink()
    member = Member(id=uuid.uuid4(), name=f"Member {uuid.uuid4().hex[:6]}")
    return Subscriber(uuid.uuid4().hex, member, sink), sink


def seqs(sink: RecordingSink) -> list[int]:
    return [m["data"]["seq"] for m in sink.messages if m["state"] == "update"]


@pytest.fixture
async def hub() -> Any:
    hub = RoomHub(MemoryBroker, History(updates=5, bytes=10_000), most_rooms=3)
    await hub.start()
    yield hub
    await hub.stop()


def test_an_update_frame_is_the_body_with_its_seq_and_epoch() -> None:
    frame = update_frame(7, "3f2a9c1be0d4", json.dumps({"room": "r", "payload": {"a": 1}}))
    assert json.loads(frame) == {
        "state": "update",
        "data": {"seq": 7, "epoch": "3f2a9c1be0d4", "room": "r", "payload": {"a": 1}},
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


async def test_a_reconnect_while_a_gap_is_filled_reads_the_history_again(
    hub: RoomHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    member, sink = subscriber()
    await hub.join("r", member, since=None)
    broker = hub.broker
    assert isinstance(broker, MemoryBroker)
    read, reading, go_on = broker.history, asyncio.Event(), asyncio.Event()

    async def slow_history(room: str, since: int) -> list[tuple[int, str]]:
        kept = await read(room, since)
        reading.set()
        await go_on.wait()
        return kept

    monkeypatch.setattr(broker, "history", slow_history)
    broker._subscribed.discard("r")
    await hub.publish("r", member.member, {"n": 1})
    broker._subscribed.add("r")
    await hub.publish("r", member.member, {"n": 2})
    await reading.wait()
    # While the gap's history is read, the connection drops (3 is kept, never delivered) and
    # comes back.
    broker._subscribed.discard("r")
    await hub.publish("r", member.member, {"n": 3})
    broker._subscribed.add("r")
    hub._resync()
    go_on.set()
    while hub._tasks:
        await asyncio.gather(*hub._tasks)
    assert seqs(sink) == [1, 2, 3]


async def test_a_duplicate_delivery_is_dropped(hub: RoomHub) -> None:
    member, sink = subscriber()
    await hub.join("r", member, since=None)
    seq = await hub.publish("r", member.member, {"n": 1})
    body = (await hub.broker.history("r", 0))[0][1]
    epoch = (await hub.broker.position("r")).epoch
    hub._receive(Envelope("r", seq, body, epoch=epoch))
    assert seqs(sink) == [1]


async def test_members_in_a_room_whose_numbering_starts_over_get_the_new_numbers(
    hub: RoomHub,
) -> None:
    """The engine lost the room while members were in it (it restarted without its data, say):
    the next updates are numbered from 1 in a new epoch, and reach the members with it."""
    member, sink = subscriber()
    joined = await hub.join("r", member, since=None)
    for n in range(3):
        await hub.publish("r", member.member, {"n": n})
    broker = hub.broker
    assert isinstance(broker, MemoryBroker)
    broker._rooms.pop("r")  # lost, members and all
    for n in range(2):
        await hub.publish("r", member.member, {"n": n})
    updates = [m["data"] for m in sink.messages if m["state"] == "update"]
    assert [(u["seq"], u["epoch"] == joined.epoch) for u in updates] == [
        (1, True),
        (2, True),
        (3, True),
        (1, False),
        (2, False),
    ]
    assert updates[-1]["epoch"] == (await broker.position("r")).epoch


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


async def test_a_resume_from_another_epoch_replays_nothing(hub: RoomHub) -> None:
    publisher, _ = subscriber()
    first = await hub.join("r", publisher, since=None)
    for n in range(3):
        await hub.publish("r", publisher.member, {"n": n})
    same, _ = subscriber()
    joined = await hub.join("r", same, since=1, epoch=first.epoch)
    assert [json.loads(frame)["data"]["seq"] for frame in joined.replay] == [2, 3]
    assert joined.history_complete is True
    other, _ = subscriber()
    joined = await hub.join("r", other, since=1, epoch="not-" + first.epoch)
    assert joined.replay == []
    assert joined.history_complete is False
    assert (joined.seq, joined.epoch) == (3, first.epoch)


async def test_an_empty_room_is_freed_after_a_while_and_starts_a_new_epoch() -> None:
    hub = RoomHub(partial(MemoryBroker, freed_after=0.05), History(5, 10_000), most_rooms=3)
    await hub.start()
    try:
        member, _ = subscriber()
        first = await hub.join("r", member, since=None)
        await hub.publish("r", member.member, {"n": 1})
        await hub.leave("r", member.connection, member.member)
        broker = hub.broker
        assert isinstance(broker, MemoryBroker)
        assert broker.kept_rooms() == 1  # kept for a member who comes back soon
        await asyncio.sleep(0.2)
        assert broker.kept_rooms() == 0
        again = await hub.join("r", member, since=1, epoch=first.epoch)
        assert (again.seq, again.history_complete) == (0, False)
        assert again.epoch != first.epoch
        await asyncio.sleep(0.2)
        assert broker.kept_rooms() == 1, "a room with a member in it is kept"
    finally:
        await hub.stop()


async def test_the_history_keeps_no_more_bytes_than_allowed(hub: RoomHub) -> None:
    member, _ = subscriber()
    await hub.join("r", member, since=None)
    for n in range(4):
        await hub.publish("r", member.member, {"text": "x" * 3000, "n": n})
    kept = await hub.broker.history("r", 0)
    assert [seq for seq, _ in kept] == [2, 3, 4]  # 3 bodies of about 3.1 kB fit in 10 kB
    assert sum(len(body) for _, body in kept) <= 10_000
    await hub.publish("r", member.member, {"text": "x" * 20_000})
    assert [seq for seq, _ in await hub.broker.history("r", 0)] == [5], "the latest is kept"


async def test_a_worker_serves_at_most_its_number_of_rooms(hub: RoomHub) -> None:
    member, _ = subscriber()
    for name in ("a", "b", "c"):
        await hub.join(name, member, since=None)
    with pytest.raises(RoomsFull):
        await hub.join("d", member, since=None)
    await hub.leave("a", member.connection, member.member)
    await hub.join("d", member, since=None)


async def test_members_put_out_are_told_why_and_get_nothing_more(hub: RoomHub) -> None:
    staying, staying_sink = subscriber()
    put_out_calls: list[str] = []
    going = Subscriber(
        uuid.uuid4().hex,
        Member(id=uuid.uuid4(), name="Bob"),
        RecordingSink(),
        put_out=lambda: put_out_calls.append("r"),
    )
    going_sink = going.sink
    assert isinstance(going_sink, RecordingSink)
    await hub.join("r", staying, since=None)
    await hub.join("r", going, since=None)
    staying_sink.take()
    await hub.put_out("r", frozenset({str(staying.member.id)}), "removed")
    for task in list(hub._tasks):
        await task
    assert going_sink.take() == [{"state": "left", "data": {"room": "r", "reason": "removed"}}]
    assert put_out_calls == ["r"]
    await hub.publish("r", staying.member, {"n": 1})
    assert going_sink.take() == []
    assert seqs(staying_sink) == [1]
    presence = [m["data"] for m in staying_sink.messages if m["state"] == "presence"]
    left = {"room": "r", "event": "left", "member": {"id": str(going.member.id), "name": "Bob"}}
    assert presence == [left]
