"""The benchmark's client, run with a bake's python from its backend/ (it imports the app).

`python client.py SCENARIO CONFIG_JSON`. It drives the servers through the project's own
backend/tools/loadtest.py, the way users load-test their app, and talks to the orchestrator in JSON lines:
`{"mark": NAME}` when a measured window opens or closes (it then waits for a line on stdin, so
the orchestrator reads the servers' counters at that very point), and `{"result": {...}}` last.

The round trips, the idle sockets and the fan-out drive several servers in one run, taking turns
window by window: each server's sockets (and users, and room) are set up once, and its marks are
named `WHAT/SERVER[/WINDOW]` so that the orchestrator reads that server alone. A server none of
whose sockets opens is left out, and the result says why.
"""

import asyncio
import json
import math
import multiprocessing
import secrets
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.core.config import settings
from app.core.db import engine
from tools import loadtest

T = TypeVar("T")
# Sockets opened (and handshakes done) at once.
CONCURRENCY = 100
# Members joining at once: each join is announced to every member already in the room.
JOIN_CONCURRENCY = 10
# Seconds to wait for a reply, or for every member to have an update.
TIMEOUT = 30.0


STARTED = time.perf_counter()


def progress(what: str) -> None:
    """A line in the client's log, to see where a run spends its time."""
    print(f"{time.perf_counter() - STARTED:7.1f} s  {what}", file=sys.stderr, flush=True)


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def mark(name: str) -> None:
    """Tell the orchestrator a window opens or closes here, and wait until it has read the counters."""
    progress(f"mark {name}")
    emit({"mark": name})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def percentile(values: list[float], fraction: float) -> float | None:
    """The value `fraction` of the values do not exceed (nearest rank, as backend/tools/loadtest.py has it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(len(ordered) * fraction) - 1, 0)]


async def bounded(calls: Iterable[Callable[[], Awaitable[T]]], limit: int = CONCURRENCY) -> list[T | BaseException]:
    """Run the calls `limit` at a time; an exception stands in for a call's result."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(call) for call in calls), return_exceptions=True)


async def open_sessions(url: str, tokens: list[str | None]) -> list[ClientConnection]:
    return (await open_sessions_telling(url, tokens))[0]


async def open_sessions_telling(url: str, tokens: list[str | None]) -> tuple[list[ClientConnection], str]:
    """The sockets that opened, and what went wrong with the first that did not ("" if none)."""
    opened = await bounded(partial(loadtest.open_session, url, token) for token in tokens)
    connections = [result for result in opened if isinstance(result, ClientConnection)]
    failures = [result for result in opened if isinstance(result, BaseException)]
    if failures:
        print(f"{len(failures)} sockets failed to open: {failures[0]!r}", file=sys.stderr)
    return connections, f"{len(failures)} of {len(tokens)} sockets failed to open: {failures[0]!r}" if failures else ""


async def close_all(connections: list[ClientConnection]) -> None:
    await bounded(connection.close for connection in connections)


async def tokens_for(count: int, authenticated: bool) -> list[str | None]:
    if not authenticated:
        return [None] * count
    return list(await loadtest.create_users(count))


async def users_for(servers: list[dict[str, Any]], count: int) -> dict[str, list[str | None]]:
    """`count` tokens for each server: the app's share one set of throwaway users, the bare apps get none."""
    tokens = await tokens_for(count, any(server["authenticated"] for server in servers))
    return {server["name"]: tokens if server["authenticated"] else [None] * count for server in servers}


async def round_trip_scenario(config: dict[str, Any]) -> dict[str, Any]:
    """Ping -> pong on `connections` sockets to each server, each socket one request in flight at
    a time; the servers take turns, `windows` times, each window after `warmup` round trips per socket.

    loadtest.run() would time the same round trips, but it opens and closes the sockets in the
    same call: its parts are used here so that the window holds the round trips alone.
    """
    count, wanted = config["count"], config["connections"]
    tokens = await users_for(config["servers"], wanted)
    opened: dict[str, list[ClientConnection]] = {}
    failures: dict[str, str] = {}
    for server in config["servers"]:
        connections, failure = await open_sessions_telling(server["url"], tokens[server["name"]])
        if connections:
            opened[server["name"]] = connections
        else:
            failures[server["name"]] = failure
    windows: dict[str, list[dict[str, Any]]] = {name: [] for name in opened}
    for window in range(config["windows"]):
        for name, connections in opened.items():
            await asyncio.gather(*(loadtest.round_trips(c, config["warmup"], []) for c in connections))
            latencies: list[float] = []
            await mark(f"start/{name}/{window}")
            started = time.perf_counter()
            results = await asyncio.gather(
                *(loadtest.round_trips(c, count, latencies) for c in connections), return_exceptions=True
            )
            seconds = time.perf_counter() - started
            await mark(f"end/{name}/{window}")
            report = loadtest.Report(
                sessions=wanted,
                round_trips=len(latencies),
                errors=sum(r if isinstance(r, int) else 1 for r in results) + wanted - len(connections),
                lost=wanted * count - len(latencies),
                seconds=seconds,
                latencies=latencies,
            )
            windows[name].append(
                {
                    "connections": len(connections),
                    "round_trips": report.round_trips,
                    "seconds": report.seconds,
                    "rate": report.rate,
                    "p50": report.p50,
                    "p99": report.p99,
                    "errors": report.errors,
                    "lost": report.lost,
                }
            )
    await close_all([connection for connections in opened.values() for connection in connections])
    if any(server["authenticated"] for server in config["servers"]):
        await loadtest.delete_users()
    return {"windows": windows, "failures": failures}


async def idle_scenario(config: dict[str, Any]) -> dict[str, Any]:
    """Open (and authenticate) `sockets` sockets to each server in turn and leave them idle while
    the server's RSS is read; then close them, before the next server's."""
    warmup = config["warmup"]
    tokens = await users_for(config["servers"], config["sockets"] + warmup)
    sockets: dict[str, int] = {}
    failures: dict[str, str] = {}
    for server in config["servers"]:
        name, url = server["name"], server["url"]
        # A few sockets first, so that what the first socket alone costs the server is not counted.
        await close_all(await open_sessions(url, tokens[name][:warmup]))
        await asyncio.sleep(0.5)
        await mark(f"before/{name}")
        connections, failure = await open_sessions_telling(url, tokens[name][warmup:])
        progress(f"{len(connections)} sockets open to {name}")
        await asyncio.sleep(1.0)
        await mark(f"after/{name}")
        await close_all(connections)
        if connections:
            sockets[name] = len(connections)
        else:
            failures[name] = failure
    if any(server["authenticated"] for server in config["servers"]):
        await loadtest.delete_users()
    return {"sockets": sockets, "failures": failures}


class Arrivals:
    """When each update reached its first member, and its last."""

    def __init__(self, members: int) -> None:
        self.members = members
        self.counts: dict[int, int] = {}
        self.first: dict[int, float] = {}
        self.last: dict[int, asyncio.Future[float]] = {}

    def expect(self, number: int) -> asyncio.Future[float]:
        future = self.last[number] = asyncio.get_running_loop().create_future()
        return future

    def arrived(self, number: int) -> None:
        count = self.counts[number] = self.counts.get(number, 0) + 1
        if count == 1:
            self.first[number] = time.perf_counter()
        future = self.last.get(number)
        if count == self.members and future is not None and not future.done():
            future.set_result(time.perf_counter())


class Member:
    """One member's socket: a reader that counts updates and hands replies to their requests."""

    def __init__(self, connection: ClientConnection, arrivals: Arrivals) -> None:
        self.connection = connection
        self.arrivals = arrivals
        self.replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self.read())

    async def request(self, state: str, data: dict[str, Any]) -> dict[str, Any]:
        request_id = secrets.token_hex(4)
        reply = self.replies[request_id] = asyncio.get_running_loop().create_future()
        await self.send(state, data, request_id)
        return await asyncio.wait_for(reply, TIMEOUT)

    async def send(self, state: str, data: dict[str, Any], request_id: str) -> None:
        await self.connection.send(json.dumps({"state": state, "data": data, "id": request_id}))

    async def read(self) -> None:
        try:
            async for frame in self.connection:
                message = json.loads(frame)
                if message.get("state") == "update":
                    self.arrivals.arrived(message["data"]["payload"]["n"])
                elif (reply := self.replies.pop(message.get("id"), None)) is not None:
                    reply.set_result(message)
        except ConnectionClosed:
            pass


class Room:
    """One server's (or pair of workers') room of members, set up once for all its windows."""

    def __init__(self, name: str, members: list[Member], arrivals: Arrivals, room: str) -> None:
        self.name = name
        self.members = members
        self.arrivals = arrivals
        self.room = room
        self.sent = 0
        # Deliveries that never arrived in the current window.
        self.missed = 0

    @classmethod
    async def gather(cls, server: dict[str, Any], tokens: list[str | None]) -> "Room":
        room = f"bench-{secrets.token_hex(4)}"
        if server["authenticated"]:  # a public room, which every member may join
            await create_public_room(server["urls"][0], tokens[0], room)
        connections = await open_sessions_spread(server["urls"], tokens)
        progress(f"{len(connections)} sockets open to {server['name']}")
        arrivals = Arrivals(len(connections))
        members = [Member(connection, arrivals) for connection in connections]
        joins = await bounded((partial(member.request, "join", {"room": room}) for member in members), JOIN_CONCURRENCY)
        refused = [j for j in joins if isinstance(j, BaseException) or j.get("state") != "joined"]
        if refused:
            raise RuntimeError(f"{len(refused)} members of {server['name']} could not join: {refused[0]!r}")
        progress(f"{len(members)} members joined on {server['name']}")
        return cls(server["name"], members, arrivals, room)

    async def publish(self) -> tuple[float, float] | None:
        """One update from the first member; until the first member, and the last, have it (None if
        some never did)."""
        number = self.sent
        self.sent += 1
        last = self.arrivals.expect(number)
        sent = time.perf_counter()
        await self.members[0].send("publish", {"room": self.room, "payload": {"n": number}}, f"publish-{number}")
        try:
            arrived = await asyncio.wait_for(last, TIMEOUT)
        except TimeoutError:
            self.missed += self.arrivals.members - self.arrivals.counts.get(number, 0)
            return None
        return self.arrivals.first[number] - sent, arrived - sent

    async def window(self, number: int, publishes: int, warmup: int) -> dict[str, Any]:
        for _ in range(warmup):
            await self.publish()
        self.missed = 0
        latencies: list[float] = []
        firsts: list[float] = []
        await mark(f"start/{self.name}/{number}")
        started = time.perf_counter()
        for _ in range(publishes):
            if (arrival := await self.publish()) is not None:
                firsts.append(arrival[0])
                latencies.append(arrival[1])
        elapsed = time.perf_counter() - started
        await mark(f"end/{self.name}/{number}")
        progress(f"{self.name}, until the last member, ms: " + " ".join(f"{1000 * t:.0f}" for t in latencies))
        return {
            "members": len(self.members),
            "publishes": publishes,
            "deliveries": publishes * len(self.members) - self.missed,
            "missed": self.missed,
            "seconds": elapsed,
            "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99),
            "first_p50": percentile(firsts, 0.50),
        }

    async def close(self) -> None:
        await close_all([member.connection for member in self.members])
        for member in self.members:
            member.reader.cancel()


async def fanout_scenario(config: dict[str, Any]) -> dict[str, Any]:
    """`members` sockets in one room on each server (spread over its workers); one member
    publishes, all receive. The rooms are set up in turn, then take turns window by window."""
    tokens = await users_for(config["servers"], config["members"])
    progress(f"{config['members']} users")
    rooms = [await Room.gather(server, tokens[server["name"]]) for server in config["servers"]]
    windows: dict[str, list[dict[str, Any]]] = {room.name: [] for room in rooms}
    for number in range(config["windows"]):
        for room in rooms:
            windows[room.name].append(await room.window(number, config["publishes"], config["warmup"]))
    for room in rooms:
        await room.close()
    progress("sockets closed")
    if any(server["authenticated"] for server in config["servers"]):
        await loadtest.delete_users()
    progress("users deleted")
    return {"windows": windows}


async def create_public_room(url: str, token: str | None, room: str) -> None:
    http_url = url.replace("ws", "http", 1).removesuffix("/socket")
    async with httpx.AsyncClient(base_url=http_url, timeout=TIMEOUT) as http:
        made = await http.post(
            "/rooms", json={"name": room, "is_public": True}, headers={"Authorization": f"Bearer {token}"}
        )
        made.raise_for_status()


async def open_sessions_spread(urls: list[str], tokens: list[str | None]) -> list[ClientConnection]:
    """Members take the servers in turn, so each server has its share."""
    per_server = [await open_sessions(url, tokens[index :: len(urls)]) for index, url in enumerate(urls)]
    return [connection for connections in per_server for connection in connections]


async def probe_health(url: str, interval: float, stop: Any) -> tuple[list[float], list[str]]:
    """GET /health until `stop` is set, one request at a time, each `interval` after the one
    before started (at once when that one took longer): what a load balancer sees meanwhile.
    The latency of each 200; any other answer, or none, is a failure instead."""
    latencies: list[float] = []
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = await client.get(f"{settings.API_V1_STR}/health")
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures.append(str(response.status_code))
            except httpx.HTTPError as error:
                failures.append(type(error).__name__)
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
    return latencies, failures


def health_prober(url: str, interval: float, stop: Any, results: Any) -> None:
    """probe_health in a process of its own, as a load balancer is: the flood's client, busy with
    its 200 connections, would otherwise hold up the probe's own requests and replies."""
    results.put(asyncio.run(probe_health(url, interval, stop)))


async def wrong_login(client: httpx.AsyncClient, number: int, round_number: int) -> tuple[str, float]:
    """One login with a made-up email and password, from its own made-up client address (uvicorn
    takes X-Forwarded-For from 127.0.0.1), so that neither of the throttle's counts refuses it:
    what answers is the password check, or its cap. Its outcome (the status, "timeout" or the
    error's name) and how long it took."""
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{settings.API_V1_STR}/login/oauth",
            data={"username": f"nobody-{secrets.token_hex(8)}@example.com", "password": secrets.token_urlsafe(16)},
            headers={"X-Forwarded-For": f"10.{round_number}.{number // 256}.{number % 256}"},
        )
        outcome = str(response.status_code)
    except httpx.TimeoutException:
        outcome = "timeout"
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    return outcome, time.perf_counter() - started


async def logins_scenario(config: dict[str, Any]) -> dict[str, Any]:
    """`logins` wrong logins sent at once, while /health is probed every `probe_interval` seconds.

    The window is from the first login sent until the last is answered. The probe runs in a
    process of its own (health_prober).
    """
    url, count = config["url"], config["logins"]
    # Every login on its own connection, all at once: no pool in the client to queue them.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    processes = multiprocessing.get_context("spawn")
    stop, results = processes.Event(), processes.Queue()
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT, limits=limits) as flood:
        for _ in range(config["warmup"]):
            (await flood.get(f"{settings.API_V1_STR}/health")).raise_for_status()
        prober = processes.Process(target=health_prober, args=(url, config["probe_interval"], stop, results))
        prober.start()
        await asyncio.sleep(1.0)  # the prober's start, past its first probes
        await mark("start")
        started = time.perf_counter()
        answers = await asyncio.gather(*(wrong_login(flood, n, config["round"]) for n in range(count)))
        seconds = time.perf_counter() - started
        stop.set()
        latencies, probe_failures = await asyncio.to_thread(results.get, timeout=TIMEOUT)
        prober.join()
        await mark("end")
    outcomes = Counter(outcome for outcome, _ in answers)
    progress("outcomes: " + ", ".join(f"{outcome} x{n}" for outcome, n in sorted(outcomes.items())))
    if probe_failures:
        progress(f"{len(probe_failures)} probes failed: {Counter(probe_failures)}")
    refused = [elapsed for outcome, elapsed in answers if outcome == "503"]
    return {
        "logins": count,
        "outcomes": dict(outcomes),
        "seconds": seconds,
        "probes": len(latencies) + len(probe_failures),
        "probe_failures": len(probe_failures),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "refused_p50": percentile(refused, 0.50),
        "refused_max": max(refused, default=None),
        "checks_at_once": settings.PASSWORD_CHECKS_AT_ONCE,
        "checks_waiting": settings.PASSWORD_CHECKS_WAITING,
    }


SCENARIOS = {
    "round-trips": round_trip_scenario,
    "idle": idle_scenario,
    "fanout": fanout_scenario,
    "logins": logins_scenario,
}


async def run(scenario: str, config: dict[str, Any]) -> dict[str, Any]:
    try:
        return await SCENARIOS[scenario](config)
    finally:
        await engine.dispose()


def main() -> None:
    emit({"result": asyncio.run(run(sys.argv[1], json.loads(sys.argv[2])))})


if __name__ == "__main__":
    main()
