"""The measurements against running servers, each one run of the client (or of Locust): their figures."""

import csv
import os
import subprocess
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from benchmarks.bakes import Bake
from benchmarks.driver import ClientRun, run_client
from benchmarks.meter import PeakRss, Window
from benchmarks.servers import Server

AtMark = Callable[[str], None] | None
Figures = TypeVar("Figures")
# Seconds between two /health probes, and between two readings of the server's RSS, during a
# flood of logins: many of each while a flood lasts, so that a short peak or stall is seen.
PROBE_INTERVAL = 0.02
RSS_INTERVAL = 0.02


@dataclass(frozen=True)
class Busy:
    """How much of the machine the window's other parties used, as shares of all its cores."""

    client: float
    others: float

    @classmethod
    def of(cls, window: Window) -> "Busy":
        capacity = window.seconds * (os.cpu_count() or 1)
        return cls(window.client / capacity, window.others / capacity)


@dataclass(frozen=True)
class RoundTrips:
    connections: int
    round_trips: int
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_us: float
    # The share of cpu_us spent in the kernel (stime).
    system_share: float
    errors: int
    lost: int
    busy: Busy


@dataclass(frozen=True)
class IdleMemory:
    sockets: int
    rss_before: int
    rss_after: int

    @property
    def per_socket_kib(self) -> float:
        return (self.rss_after - self.rss_before) / max(self.sockets, 1) / 1024


@dataclass(frozen=True)
class Fanout:
    members: int
    publishes: int
    deliveries: int
    missed: int
    cpu_us: float
    system_share: float
    p50_ms: float
    p99_ms: float
    # Until the first member has the update: the way in, before the spread to every member.
    first_p50_ms: float
    busy: Busy


@dataclass(frozen=True)
class LoginFlood:
    logins: int
    # How many logins had each outcome: a status ("400", "503", ...), "timeout", or the name of
    # the client's error (a connection refused or reset).
    outcomes: dict[str, int]
    seconds: float
    # The server's RSS as the flood starts, its highest while it lasts, and as it ends.
    rss_idle: int
    rss_peak: int
    rss_after: int
    rss_readings: int
    probes: int
    probe_failures: int
    p50_ms: float
    p99_ms: float
    # How long the logins that the cap on password checks refused (503) waited for that answer.
    refused_p50_ms: float
    refused_max_ms: float
    # The server's PASSWORD_CHECKS_AT_ONCE and _WAITING, as the client read them from the bake.
    checks_at_once: int
    checks_waiting: int
    busy: Busy

    @property
    def failures(self) -> int:
        """Logins that were neither answered nor refused: a 5xx other than 503, a timeout, an error."""
        return sum(
            count
            for outcome, count in self.outcomes.items()
            if not outcome.isdigit() or (int(outcome) >= 500 and outcome != "503")
        )


def _ms(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds * 1000


@dataclass
class Turns(Generic[Figures]):
    """What a run of servers taking turns measured: each server's figures, in the order measured,
    and why a server none of whose sockets opened was left out."""

    figures: dict[str, Figures] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def _window(run: ClientRun, name: str, number: int) -> Window:
    return Window(run.marks[f"start/{name}/{number}"].sample, run.marks[f"end/{name}/{number}"].sample)


def _servers(servers: Mapping[str, Server], apps: Collection[str]) -> list[dict[str, object]]:
    return [{"name": name, "url": server.ws_url, "authenticated": name in apps} for name, server in servers.items()]


def round_trips(
    bake: Bake,
    servers: Mapping[str, Server],
    log: Path,
    *,
    connections: int,
    count: int,
    warmup: int,
    windows: int,
    apps: Collection[str],
    at_mark: AtMark = None,
) -> Turns[list[RoundTrips]]:
    """`connections` sockets to each server ping at once, `count` round trips each, the servers
    taking turns `windows` times; each window's CPU per round trip of the server whose turn it is.
    The clients of `apps` authenticate."""
    config = {
        "servers": _servers(servers, apps),
        "connections": connections,
        "count": count,
        "warmup": warmup,
        "windows": windows,
    }
    turns = {name: [server.pid] for name, server in servers.items()}
    run = run_client(bake, "round-trips", config, [], log, at_mark, turns)
    out: Turns[list[RoundTrips]] = Turns(failures=run.result["failures"])
    for name, results in run.result["windows"].items():
        out.figures[name] = []
        for number, result in enumerate(results):
            window = _window(run, name, number)
            out.figures[name].append(
                RoundTrips(
                    connections=result["connections"],
                    round_trips=result["round_trips"],
                    rate=result["rate"],
                    p50_ms=_ms(result["p50"]),
                    p99_ms=_ms(result["p99"]),
                    cpu_us=window.servers / max(result["round_trips"], 1) * 1e6,
                    system_share=window.servers_system / window.servers if window.servers else 0.0,
                    errors=result["errors"],
                    lost=result["lost"],
                    busy=Busy.of(window),
                )
            )
    return out


def idle_memory(
    bake: Bake, servers: Mapping[str, Server], log: Path, *, sockets: int, warmup: int, apps: Collection[str]
) -> Turns[IdleMemory]:
    """Each server's RSS before and after `sockets` sockets are opened to it (and authenticated,
    for `apps`) and left idle, one server after the other."""
    config = {"servers": _servers(servers, apps), "sockets": sockets, "warmup": warmup}
    turns = {name: [server.pid] for name, server in servers.items()}
    run = run_client(bake, "idle", config, [], log, turns=turns)
    out: Turns[IdleMemory] = Turns(failures=run.result["failures"])
    for name, opened in run.result["sockets"].items():
        out.figures[name] = IdleMemory(opened, run.marks[f"before/{name}"].rss, run.marks[f"after/{name}"].rss)
    return out


def fanout(
    bake: Bake,
    servers: Mapping[str, Sequence[Server]],
    log: Path,
    *,
    members: int,
    publishes: int,
    warmup: int,
    windows: int,
    apps: Collection[str],
    at_mark: AtMark = None,
) -> dict[str, list[Fanout]]:
    """`members` sockets in one room on each named server (or pair of workers, the members spread
    over them); one member publishes `publishes` times a window, the servers taking turns.

    CPU is that of the servers (both workers together) per update delivered to one member; the
    latency is from the publish until the last member has the update.
    """
    config = {
        "servers": [
            {"name": name, "urls": [worker.ws_url for worker in workers], "authenticated": name in apps}
            for name, workers in servers.items()
        ],
        "members": members,
        "publishes": publishes,
        "warmup": warmup,
        "windows": windows,
    }
    turns = {name: [worker.pid for worker in workers] for name, workers in servers.items()}
    run = run_client(bake, "fanout", config, [], log, at_mark, turns)
    out: dict[str, list[Fanout]] = {}
    for name, results in run.result["windows"].items():
        out[name] = []
        for number, result in enumerate(results):
            window = _window(run, name, number)
            out[name].append(
                Fanout(
                    members=result["members"],
                    publishes=result["publishes"],
                    deliveries=result["deliveries"],
                    missed=result["missed"],
                    cpu_us=window.servers / max(result["deliveries"], 1) * 1e6,
                    system_share=window.servers_system / window.servers if window.servers else 0.0,
                    p50_ms=_ms(result["p50"]),
                    p99_ms=_ms(result["p99"]),
                    first_p50_ms=_ms(result["first_p50"]),
                    busy=Busy.of(window),
                )
            )
    return out


def login_flood(
    bake: Bake, server: Server, log: Path, *, logins: int, round_number: int, at_mark: AtMark = None
) -> LoginFlood:
    """`logins` wrong logins at once, each from its own address, while /health is probed.

    The server's RSS is read every RSS_INTERVAL from the start mark to the end one, besides at
    the marks: the memory the password checks take is given back before the flood has ended.
    `round_number` keeps the made-up client addresses of each round apart.
    """
    config = {
        "url": server.http_url,
        "logins": logins,
        "round": round_number,
        "probe_interval": PROBE_INTERVAL,
        "warmup": 5,
    }
    peak = PeakRss([server.pid], RSS_INTERVAL)

    def sampling(name: str) -> None:
        if name == "start":
            peak.start()
        elif name == "end":
            peak.stop()
        if at_mark is not None:
            at_mark(name)

    try:
        run = run_client(bake, "logins", config, [server.pid], log, sampling)
    finally:
        peak.stop()
    start, end = run.marks["start"], run.marks["end"]
    result = run.result
    return LoginFlood(
        logins=result["logins"],
        outcomes=result["outcomes"],
        seconds=result["seconds"],
        rss_idle=start.rss,
        rss_peak=max(peak.peak, start.rss, end.rss),
        rss_after=end.rss,
        rss_readings=peak.samples,
        probes=result["probes"],
        probe_failures=result["probe_failures"],
        p50_ms=_ms(result["p50"]),
        p99_ms=_ms(result["p99"]),
        refused_p50_ms=_ms(result["refused_p50"]),
        refused_max_ms=_ms(result["refused_max"]),
        checks_at_once=result["checks_at_once"],
        checks_waiting=result["checks_waiting"],
        busy=Busy.of(Window(start.sample, end.sample)),
    )


@dataclass(frozen=True)
class LocustLine:
    """One line of Locust's statistics: a kind of request, or all of them (`Aggregated`)."""

    name: str
    requests: int
    failures: int
    p50_ms: float
    p99_ms: float
    per_second: float


@dataclass(frozen=True)
class LocustRun:
    users: int
    seconds: int
    lines: list[LocustLine]

    @property
    def total(self) -> LocustLine:
        return next(line for line in self.lines if line.name == "Aggregated")


LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def locust(server: Server, accounts: Path, password: str, log: Path, *, users: int, seconds: int) -> LocustRun:
    """Locust (locustfile.py) against a running server, headless: `users` signed-in users, started
    50 a second, for `seconds`; its statistics, read from the CSV it writes."""
    prefix = log.with_suffix("")
    # Through uv, with its group: the bakes' scripts sync the template's environment without it.
    uv = os.environ.get("UV", "uv")
    command = [uv, "run", "--locked", "--group", "benchmarks", "python", "-m", "locust", "-f", str(LOCUSTFILE)]
    command += ["--headless", "--only-summary"]
    command += ["--users", str(users), "--spawn-rate", "50", "--run-time", f"{seconds}s", "--stop-timeout", "10"]
    command += ["--host", server.http_url, "--csv", str(prefix)]
    env = {**os.environ, "LOCUST_ACCOUNTS": str(accounts), "LOCUST_PASSWORD": password}
    with log.open("ab") as output:
        # Locust exits 1 when a request failed: the figures say so, the run goes on.
        subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, check=False, timeout=seconds + 120)
    with Path(f"{prefix}_stats.csv").open(newline="") as stats:
        lines = [
            LocustLine(
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p50_ms=float(row["50%"]) if row["50%"] != "N/A" else float("nan"),
                p99_ms=float(row["99%"]) if row["99%"] != "N/A" else float("nan"),
                per_second=float(row["Requests/s"]),
            )
            for row in csv.DictReader(stats)
        ]
    return LocustRun(users=users, seconds=seconds, lines=lines)
