"""The figures beside their targets: printed as they come, and written to RESULTS.md."""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from benchmarks.machine import Machine
from benchmarks.scenarios import (
    PROBE_INTERVAL,
    RSS_INTERVAL,
    Busy,
    Fanout,
    IdleMemory,
    LocustRun,
    LoginFlood,
    RoundTrips,
)

# Targets (from the brief the benchmarks were written to): none of them is asserted.
CPU_RATIO_TARGET = 1.2
IDLE_KIB_TARGET = 40.0
HEALTH_P99_TARGET_MS = 100.0
# What one Argon2 check takes (pwdlib's recommended parameters: 64 MiB), and what a flood of
# logins may take besides the checks at once (their requests, buffers, the allocator's slack).
ARGON2_MIB = 64
LOGIN_SLACK_MIB = 64
SUITE_START = "<!-- suite: kept from the last run with --suite -->"
SUITE_END = "<!-- /suite -->"
# Where the fan-out's time goes: read by hand from a run with --profile, and kept between runs.
PROFILE_START = "<!-- profile: written from a run with --profile, kept between runs -->"
PROFILE_END = "<!-- /profile -->"

# The servers of the round trips and the idle sockets, in the order they take turns.
SERVERS = {
    "floor": "floor",
    "app": "app",
    "app-own": "app, uvicorn's own protocol",
    "granian-floor": "floor on Granian",
    "granian-app": "app on Granian",
}
# Those that serve the app (their clients authenticate), and those the targets are for: the app
# as `python -m app` serves it, with the adapter (app/realtime/uvicorn.py) and without.
APPS = {"app", "app-own", "granian-app"}
TARGETED = ("app", "app-own")
FANOUT_LABELS = {
    "naive": "naive loop, one process",
    "memory": "app, memory, one worker",
    "memory-own": "app, uvicorn's own protocol, memory, one worker",
    "redis": "app, redis, two workers",
    "redis-own": "app, uvicorn's own protocol, redis, two workers",
    "redis-cluster": "app, redis cluster of three masters, two workers",
}
# Where each of the app's fan-outs is, in the rows' names.
FANOUT_WHERE = {
    "memory": "memory, one worker",
    "memory-own": "memory, one worker, uvicorn's own protocol",
    "redis": "redis, two workers",
    "redis-own": "redis, two workers, uvicorn's own protocol",
    "redis-cluster": "redis cluster of three masters, two workers",
}


@dataclass
class Results:
    started: str
    revision: str
    sizes: dict[str, int]
    machine: Machine | None = None
    load_start: tuple[float, float, float] | None = None
    load_end: tuple[float, float, float] | None = None
    # The 1-minute load average at the start of each part.
    loads: list[float] = field(default_factory=list)
    bakes: dict[str, float] = field(default_factory=dict)
    bootstraps: dict[str, float] = field(default_factory=dict)
    # The version of Granian installed into the bake, when it was
    granian: str | None = None
    # (a key of SERVERS, connections) -> the figures of each window, in the order they were measured
    round_trip_windows: dict[tuple[str, int], list[RoundTrips]] = field(default_factory=dict)
    # A key of SERVERS -> figures
    idle: dict[str, IdleMemory] = field(default_factory=dict)
    # A key of FANOUT_LABELS -> the figures of each window, in the order they were measured
    fanout_windows: dict[str, list[Fanout]] = field(default_factory=dict)
    # One per round of wrong logins, in order, on the same server
    logins: list[LoginFlood] = field(default_factory=list)
    locust: LocustRun | None = None
    suite_seconds: float | None = None
    suite_passed: bool | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def round_trips(self) -> dict[tuple[str, int], RoundTrips]:
        """Of each server's windows at each size, the one of median CPU per round trip."""
        return {key: median_window(windows) for key, windows in self.round_trip_windows.items() if windows}

    @property
    def fanout(self) -> dict[str, Fanout]:
        """Of each server's windows, the one of median CPU per delivery."""
        return {key: median_window(windows) for key, windows in self.fanout_windows.items() if windows}


Measured = TypeVar("Measured", RoundTrips, Fanout)


def median_window(windows: list[Measured]) -> Measured:
    """The window of median CPU: one window alone moves with whatever else the machine does."""
    return sorted(windows, key=lambda figures: figures.cpu_us)[len(windows) // 2]


def verdict(met: bool | None) -> str:
    if met is None:
        return "not measured"
    return "meets" if met else "MISSES"


def ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline > 0 else math.nan


def login_growth_bound_mib(checks_at_once: int) -> float:
    return float(checks_at_once * ARGON2_MIB + LOGIN_SLACK_MIB)


def login_growth_mib(floods: list[LoginFlood], flood: LoginFlood) -> float:
    """A round's peak RSS over the server's RSS before the first round: what stays from a round
    counts in the next one's growth."""
    return (flood.rss_peak - floods[0].rss_idle) / 2**20


def outcomes(counts: dict[str, int]) -> str:
    return ", ".join(f"{outcome}: {count}" for outcome, count in sorted(counts.items()))


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    target: str
    verdict: str


def _connections(n: int) -> str:
    return f"{n} connection{'s' if n > 1 else ''}"


def _times(ours: RoundTrips, baseline: RoundTrips) -> str:
    return f"{ratio(ours.cpu_us, baseline.cpu_us):.2f}x"


def round_trip_medians(results: Results, connections: int) -> list[str]:
    """The median windows' CPU per round trip at one size, each beside what it is measured against."""
    medians = {who: f for (who, n), f in results.round_trips.items() if n == connections}
    floor, app, granian_floor = medians.get("floor"), medians.get("app"), medians.get("granian-floor")
    out = []
    for who in TARGETED:
        if (ours := medians.get(who)) is not None and floor is not None:
            out.append(
                f"median CPU per round trip, {SERVERS[who]}: {ours.cpu_us:.1f} us, {_times(ours, floor)} the floor's "
                f"{floor.cpu_us:.1f} us (target <= {CPU_RATIO_TARGET}x)"
            )
    if granian_floor is not None and floor is not None:
        out.append(
            f"median CPU per round trip, floor on Granian: {granian_floor.cpu_us:.1f} us, "
            f"{_times(granian_floor, floor)} the floor's on uvicorn"
        )
    if (granian_app := medians.get("granian-app")) is not None and app is not None:
        beside_floor = f", {_times(granian_app, granian_floor)} the floor's on Granian" if granian_floor else ""
        out.append(
            f"median CPU per round trip, app on Granian: {granian_app.cpu_us:.1f} us, "
            f"{_times(granian_app, app)} the app's {app.cpu_us:.1f} us on uvicorn{beside_floor}"
        )
    return out


def _round_trip_rows(results: Results) -> list[Row]:
    out: list[Row] = []
    for connections in sorted({n for _, n in results.round_trips}):
        medians = {who: f for (who, n), f in results.round_trips.items() if n == connections}
        floor, app, granian_floor = medians.get("floor"), medians.get("app"), medians.get("granian-floor")
        for who in TARGETED:
            if (ours := medians.get(who)) is None or floor is None:
                continue
            r = ratio(ours.cpu_us, floor.cpu_us)
            out.append(
                Row(
                    f"server CPU per round trip, {_connections(connections)} ({SERVERS[who]})",
                    f"{ours.cpu_us:.0f} us vs floor {floor.cpu_us:.0f} us = {r:.2f}x",
                    f"<= {CPU_RATIO_TARGET}x the floor",
                    verdict(r <= CPU_RATIO_TARGET),
                )
            )
        if granian_floor is not None and floor is not None:
            out.append(
                Row(
                    f"server CPU per round trip, {_connections(connections)} (floor on Granian)",
                    f"{granian_floor.cpu_us:.0f} us vs floor {floor.cpu_us:.0f} us = {_times(granian_floor, floor)}",
                    "-",
                    "",
                )
            )
        if (granian_app := medians.get("granian-app")) is not None and app is not None:
            beside_floor = (
                f"; vs floor on Granian {granian_floor.cpu_us:.0f} us = {_times(granian_app, granian_floor)}"
                if granian_floor is not None
                else ""
            )
            versus_app = f"{granian_app.cpu_us:.0f} us vs app {app.cpu_us:.0f} us = {_times(granian_app, app)}"
            out.append(
                Row(
                    f"server CPU per round trip, {_connections(connections)} (app on Granian)",
                    versus_app + beside_floor,
                    "-",
                    "",
                )
            )
        rates = [f"{SERVERS[who]} {f.rate:,.0f}/s" for who, f in sorted(medians.items(), key=_in_turn)]
        out.append(Row(f"round trips per second, {_connections(connections)}", "; ".join(rates), "-", ""))
    return out


def _in_turn(item: tuple[str, object]) -> int:
    return list(SERVERS).index(item[0])


def _idle_rows(results: Results) -> list[Row]:
    out: list[Row] = []
    for who in TARGETED:
        if (idle := results.idle.get(who)) is not None:
            out.append(
                Row(
                    f"memory per idle authenticated socket, {idle.sockets:,} sockets ({SERVERS[who]})",
                    f"{idle.per_socket_kib:.1f} KiB",
                    f"<= {IDLE_KIB_TARGET:.0f} KiB",
                    verdict(idle.per_socket_kib <= IDLE_KIB_TARGET),
                )
            )
    on_granian = [
        f"{SERVERS[who]} {idle.per_socket_kib:.1f} KiB"
        for who in ("granian-app", "granian-floor")
        if (idle := results.idle.get(who)) is not None
    ]
    if on_granian:
        on_uvicorn = [
            f"{SERVERS[who]} {idle.per_socket_kib:.1f} KiB"
            for who in ("app", "floor")
            if (idle := results.idle.get(who)) is not None
        ]
        sockets = max(results.idle[who].sockets for who in ("granian-app", "granian-floor") if who in results.idle)
        out.append(
            Row(
                f"memory per idle socket on Granian, {sockets:,} sockets",
                ", ".join(on_granian) + (f" (on uvicorn: {', '.join(on_uvicorn)})" if on_uvicorn else ""),
                "-",
                "",
            )
        )
    return out


def _fanout_rows(results: Results) -> list[Row]:
    out: list[Row] = []
    naive = results.fanout.get("naive")
    for broker, where in FANOUT_WHERE.items():
        spread = results.fanout.get(broker)
        if spread is None or naive is None:
            continue
        r = ratio(spread.cpu_us, naive.cpu_us)
        out.append(
            Row(
                f"fan-out CPU per delivery ({where})",
                f"{spread.cpu_us:.1f} us vs naive loop {naive.cpu_us:.1f} us = {r:.2f}x",
                f"<= {CPU_RATIO_TARGET}x the naive loop",
                verdict(r <= CPU_RATIO_TARGET),
            )
        )
        out.append(
            Row(
                f"fan-out p99 until the last member has it ({where})",
                f"{spread.p99_ms:.0f} ms vs naive loop {naive.p99_ms:.0f} ms "
                f"(p50 {spread.p50_ms:.0f} vs {naive.p50_ms:.0f})",
                "<= the naive loop's p99",
                verdict(spread.p99_ms <= naive.p99_ms),
            )
        )
    return out


def rows(results: Results) -> list[Row]:
    """One row per figure that has a target (and the figures to read beside them), in the brief's order."""
    out = _round_trip_rows(results) + _idle_rows(results) + _fanout_rows(results)
    return out + _login_rows(results.logins) + _locust_rows(results.locust)


def _locust_rows(run: LocustRun | None) -> list[Row]:
    if run is None:
        return []
    out = [
        Row(
            f"{line.name} under Locust, {run.users} signed-in users (PostgreSQL)",
            f"p50 {line.p50_ms:.0f} ms, p99 {line.p99_ms:.0f} ms, {line.requests:,} requests",
            "-",
            "",
        )
        for line in run.lines
        if line.name != "Aggregated"
    ]
    total = run.total
    out.append(
        Row(
            f"requests failed under Locust, {run.users} signed-in users (PostgreSQL)",
            f"{total.failures} of {total.requests:,}",
            "0",
            verdict(total.failures == 0),
        )
    )
    return out


def _login_rows(floods: list[LoginFlood]) -> list[Row]:
    if not floods:
        return []
    first = floods[0]
    bound = login_growth_bound_mib(first.checks_at_once)
    bound_text = f"<= {bound:.0f} MiB ({first.checks_at_once} checks x {ARGON2_MIB} MiB + {LOGIN_SLACK_MIB} MiB)"
    out = []
    for number, flood in enumerate(floods, 1):
        growth = login_growth_mib(floods, flood)
        if number == 1:
            figure = f"peak RSS over idle, {flood.logins} wrong logins at once"
            measured = (
                f"+{growth:.0f} MiB (idle {first.rss_idle / 2**20:.0f} MiB, peak {flood.rss_peak / 2**20:.0f} MiB)"
            )
        else:
            figure = f"peak RSS over the same idle, round {number} of {flood.logins} more"
            measured = (
                f"+{growth:.0f} MiB (peak {flood.rss_peak / 2**20:.0f} MiB; "
                f"{flood.rss_idle / 2**20:.0f} MiB as the round started)"
            )
        out.append(Row(figure, measured, bound_text, verdict(growth <= bound)))
    rounds = f"round{'s' if len(floods) > 1 else ''} {' / '.join(str(n) for n in range(1, len(floods) + 1))}"
    probes = sum(flood.probes for flood in floods)
    failed_probes = sum(flood.probe_failures for flood in floods)
    out.append(
        Row(
            "/health p99 during the wrong logins",
            f"{' / '.join(f'{flood.p99_ms:.1f}' for flood in floods)} ms, {rounds} "
            f"(p50 {' / '.join(f'{flood.p50_ms:.1f}' for flood in floods)}; {probes} probes, {failed_probes} failed)",
            f"< {HEALTH_P99_TARGET_MS:.0f} ms, every probe answered",
            verdict(failed_probes == 0 and all(flood.p99_ms < HEALTH_P99_TARGET_MS for flood in floods)),
        )
    )
    total: dict[str, int] = {}
    for flood in floods:
        for outcome, count in flood.outcomes.items():
            total[outcome] = total.get(outcome, 0) + count
    failures = sum(flood.failures for flood in floods)
    out.append(
        Row(
            "wrong logins that failed (5xx but 503, timeout, error)",
            f"{failures} of {sum(flood.logins for flood in floods)} ({outcomes(total)})",
            "0",
            verdict(failures == 0),
        )
    )
    out.append(
        Row(
            "wall time of each round of wrong logins",
            f"{' / '.join(f'{flood.seconds:.2f}' for flood in floods)} s, {rounds}",
            "-",
            "",
        )
    )
    return out


def print_rows(results: Results) -> None:
    table = rows(results)
    if not table:
        return
    width = max(len(row.figure) for row in table)
    print("\nFigures beside their targets:")
    for row in table:
        target = f"  (target {row.target})" if row.target != "-" else ""
        mark = f"  [{row.verdict}]" if row.verdict else ""
        print(f"  {row.figure:<{width}}  {row.measured}{target}{mark}")
    for problem in results.problems:
        print(f"  not measured: {problem}")


def _busy(busy: Busy) -> str:
    return f"{100 * busy.client:.0f}% / {100 * busy.others:.0f}%"


def _load(load: tuple[float, float, float] | None) -> str:
    return "unknown" if load is None else " / ".join(f"{value:.2f}" for value in load)


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
        *("| " + " | ".join(line) + " |" for line in lines),
    ]


def _machine(results: Results) -> list[str]:
    out = ["## Machine", ""]
    if results.machine is not None:
        out += [f"- {line}" for line in results.machine.lines()]
    if results.loads:
        out.append(
            f"- Load average over 1 minute, read at the start of each part: {min(results.loads):.1f} to "
            f"{max(results.loads):.1f} (with {results.machine.cores if results.machine else '?'} cores); "
            f"over 15 minutes at the end: {_load(results.load_end).split(' / ')[-1]}."
        )
    out += [
        "- The client runs on the same cores as the servers. *client / others* in the tables is the share of",
        "  the machine's CPU (all cores) used during the measured window by the client, and by every process",
        "  other than the server(s) and the client: other people's work on this machine.",
    ]
    return out


def _servers_text(results: Results) -> list[str]:
    """What the servers of the round trips and the idle sockets are."""
    granian = f"Granian {results.granian}" if results.granian else "Granian"
    return [
        "The servers, all started from the default bake:",
        "",
        "- `app`: the baked app as `python -m app` serves it, on uvicorn with the project's adapter",
        "  (app/realtime/uvicorn.py: the frame size checked from its header, a room's direct send).",
        "- `app, uvicorn's own protocol`: the same, with WS_UVICORN_ADAPTER=false: uvicorn's own",
        "  `websockets-sansio` protocol, the public ASGI path any server would take.",
        "- `floor`: a bare Starlette endpoint that parses each frame as JSON and answers it",
        "  (benchmarks/in_bake/floor.py), on the same uvicorn with the same socket settings.",
        f"- `floor on Granian` and `app on Granian`: the same floor, and the app itself, on {granian}",
        "  (`granian --interface asgi floor:app` from benchmarks/in_bake, `granian --interface asgi",
        "  app.main:app` from the bake's backend/, its lifespan run). The adapter is uvicorn's: the app on",
        "  Granian takes the public path. Granian is the template's exact pin (its `benchmarks`",
        "  dependency group), installed into the bake's environment for the run only; the bake's",
        "  pyproject.toml is not changed. It runs with its defaults, one worker process with one runtime",
        "  thread, on uvloop as uvicorn does; it has no settings for pings or the largest message. Its CPU",
        "  and RSS are its main process's and its worker's together.",
        "",
        "The targets are for the app as the project serves it, on uvicorn with the adapter and without;",
        "the Granian rows are measured beside them, to choose the server by.",
    ]


def _round_trips(results: Results) -> list[str]:
    if not results.round_trips:
        return []
    out = [
        "## 1. Session round trips (ping -> pong)",
        "",
        *_servers_text(results),
        "",
        "One request in flight per socket; for the app, each socket is a session of its own user (the",
        "three apps share the users), the floors' sockets send no token. At each size one run of the",
        "client opens the sockets to every server, then the servers take turns, window by window in",
        "the table's order, so that a change in the machine's load hits them alike: each server is",
        f"measured in {results.sizes['round_trip_windows']} windows, each after "
        f"{results.sizes['warmup_round_trips']} warm-up round trips per socket.",
        "Server CPU is utime + stime over the measured window only. The row is the window of median",
        "CPU, the last column lists every window's.",
        "",
    ]
    header = ["server", "sockets", "round trips", "per second", "p50 ms", "p99 ms", "server CPU per round trip"]
    lines = [
        [
            SERVERS[who],
            str(n),
            f"{f.round_trips:,}",
            f"{f.rate:,.0f}",
            f"{f.p50_ms:.2f}",
            f"{f.p99_ms:.2f}",
            f"{f.cpu_us:.1f} us ({100 * f.system_share:.0f}% kernel)",
            f"{f.errors} / {f.lost}",
            _busy(f.busy),
            ", ".join(f"{window.cpu_us:.0f}" for window in results.round_trip_windows[(who, n)]),
        ]
        for (who, n), f in sorted(results.round_trips.items(), key=lambda item: (item[0][1], _in_turn(item[0])))
    ]
    return out + _table([*header, "errors / lost", "client / others", "CPU of each window, us"], lines)


def _idle(results: Results) -> list[str]:
    if not results.idle:
        return []
    out = [
        "## 2. Idle sockets",
        "",
        "The server's RSS after opening the sockets (for the app, each authenticated as its own throwaway",
        "user, the three apps sharing the users) minus its RSS before, per socket, on the servers of",
        "section 1 (after its round trips), one server after the other: its sockets are closed before",
        "the next server's open. The floors' sockets send no token: they show what the server and",
        "Starlette alone hold per socket.",
        "",
    ]
    lines = [
        [
            SERVERS[who],
            f"{f.sockets:,}",
            f"{f.rss_before / 2**20:.1f} MiB",
            f"{f.rss_after / 2**20:.1f} MiB",
            f"{f.per_socket_kib:.1f} KiB",
        ]
        for who, f in sorted(results.idle.items(), key=_in_turn)
    ]
    return out + _table(["server", "sockets", "RSS before", "RSS after", "per socket"], lines)


def _fanout(results: Results, previous: str | None) -> list[str]:
    if not results.fanout:
        return []
    sizes = results.sizes
    out = [
        "## 3. Room fan-out",
        "",
        f"{sizes['fanout_members']:,} members in one room (for the app, each its own user); one member",
        f"publishes {sizes['fanout_publishes']} times, one update at a time, after {sizes['fanout_warmup']} warm-up "
        "publishes.",
        "Latency: from sending the publish until the last member has the update (and until the first has",
        "it: the way in, before the spread). CPU: the server's in the window (both workers' summed over",
        "Redis; Redis's own is not counted) per update delivered to one member. The naive loop",
        "(benchmarks/in_bake/naive_fanout.py) keeps its members in a list and sends with",
        "`for ws in members: await ws.send_text(text)`; the same client drives it. The app runs as",
        "`python -m app` serves it, with the adapter (its direct send: no task switch per member) and",
        "with WS_UVICORN_ADAPTER=false (uvicorn's own protocol: the public send); over Redis each pair",
        "of workers has a key prefix of its own. A third pair, with the adapter, runs on a Redis Cluster of",
        "the run's own (REDIS_CLUSTER_URLS: three masters with a replica each, on the same machine): its",
        "room sits on one master, and each update waits for that master's replica before it is sent on.",
        "Its Redis processes' CPU is not counted either. One run of the client fills a room on each server",
        "(the apps' members are the same users), then the servers take turns, window by window in the",
        "table's order (in memory: the naive loop and the app with the adapter and without; over Redis:",
        "the three pairs), so that a change in the machine's load hits them alike: each is measured in",
        f"{sizes['fanout_windows']} windows, each after its warm-up publishes. The row is the window of median",
        "CPU, the last column lists every window's.",
        "",
    ]
    header = [
        "server",
        "members",
        "deliveries",
        "missed",
        "CPU per delivery",
        "first member p50 ms",
        "p50 ms",
        "p99 ms",
        "client / others",
        "CPU of each window, us",
    ]
    lines = [
        [
            FANOUT_LABELS[who],
            f"{f.members:,}",
            f"{f.deliveries:,}",
            str(f.missed),
            f"{f.cpu_us:.1f} us ({100 * f.system_share:.0f}% kernel)",
            f"{f.first_p50_ms:.1f}",
            f"{f.p50_ms:.1f}",
            f"{f.p99_ms:.1f}",
            _busy(f.busy),
            ", ".join(f"{window.cpu_us:.1f}" for window in results.fanout_windows[who]),
        ]
        for who, f in sorted(results.fanout.items(), key=lambda item: list(FANOUT_LABELS).index(item[0]))
    ]
    table = _table(header, lines)
    kept = _kept(previous, PROFILE_START, PROFILE_END) if previous is not None else None
    where = kept or "Where the time goes has not been written yet (`benchmarks/run.sh --only fanout --profile DIR`)."
    return [*out, *table, "", PROFILE_START, where, PROFILE_END]


def _logins(results: Results) -> list[str]:
    floods = results.logins
    if not floods:
        return []
    first = floods[0]
    more = len(floods) - 1
    then = f"; then {more} more round{'s' if more > 1 else ''} of as many on the same server" if more else ""
    out = [
        "## 4. Concurrent wrong logins",
        "",
        f"{first.logins} logins with a wrong password sent at once (`POST /api/v1/login/oauth`) to an app server",
        "of their own (`python -m app`, SQLite, one process, the default settings: PASSWORD_CHECKS_AT_ONCE",
        f"{first.checks_at_once}, PASSWORD_CHECKS_WAITING {first.checks_waiting}){then}.",
        "Each login has its own made-up email and its own client address (X-Forwarded-For, which uvicorn",
        "trusts from 127.0.0.1), so that the throttle never answers: what is measured is the cap on",
        "password checks (Argon2, 64 MiB each). 400 is a password checked and wrong, 503 (Retry-After: 1) the",
        "cap refusing at once; a failure is any other 5xx, a timeout (30 s) or a broken connection.",
        f"Meanwhile a probe sends `GET /api/v1/health` every {PROBE_INTERVAL * 1000:.0f} ms (one at a time, from a",
        "process of its own, as a load balancer would; the latency is the probe's), and the server's RSS is",
        f"read every {RSS_INTERVAL * 1000:.0f} ms (psutil, the",
        "process and its children; the readings are the orchestrator's work, counted in *others*).",
        "*at the start* is its RSS as the round begins (for round 1, before any",
        "password was checked: the checks' memory counts as growth); growth is the peak over round 1's.",
        "Wall time: from the first login sent until the last is answered.",
        "",
    ]
    header = [
        "round",
        "logins",
        "answers",
        "failed",
        "503 after, p50 / max ms",
        "wall time",
        "RSS at the start",
        "peak RSS (readings)",
        "growth",
        "RSS at the end",
        "/health probes",
        "p50 ms",
        "p99 ms",
    ]
    lines = [
        [
            str(number),
            f"{flood.logins:,}",
            outcomes(flood.outcomes),
            str(flood.failures),
            f"{flood.refused_p50_ms:.0f} / {flood.refused_max_ms:.0f}",
            f"{flood.seconds:.2f} s",
            f"{flood.rss_idle / 2**20:.1f} MiB",
            f"{flood.rss_peak / 2**20:.1f} MiB ({flood.rss_readings})",
            f"+{login_growth_mib(floods, flood):.1f} MiB",
            f"{flood.rss_after / 2**20:.1f} MiB",
            f"{flood.probes} ({flood.probe_failures} failed)",
            f"{flood.p50_ms:.1f}",
            f"{flood.p99_ms:.1f}",
            _busy(flood.busy),
        ]
        for number, flood in enumerate(floods, 1)
    ]
    return out + _table([*header, "client / others"], lines)


def _bakes(results: Results, previous: str | None) -> list[str]:
    out = ["## 6. Bakes and the template's suite", ""]
    if results.bakes:
        out += ["`scripts/bake.sh --no-input` per supported combination (tests/combinations.py), wall time:", ""]
        out += _table(["combination", "bake"], [[name, f"{seconds:.1f} s"] for name, seconds in results.bakes.items()])
        out.append("")
    if results.bootstraps:
        out += ["The baked project's `scripts/bootstrap.sh` (uv sync, from uv's cache; .env), before measuring:", ""]
        out += [f"- {name}: {seconds:.1f} s" for name, seconds in results.bootstraps.items()]
        out.append("")
    out.append(SUITE_START)
    if results.suite_seconds is not None:
        outcome = "passed" if results.suite_passed else "FAILED"
        out.append(
            f"The template's whole suite, `scripts/test.sh` (timed by `benchmarks/run.sh --suite` on "
            f"{results.started}): {results.suite_seconds / 60:.1f} min, {outcome}."
        )
    elif previous is not None and (kept := _kept(previous, SUITE_START, SUITE_END)) is not None:
        out.append(kept)
    else:
        out.append("The template's suite has not been timed yet (`benchmarks/run.sh --suite` times it).")
    out.append(SUITE_END)
    return out


def _locust(results: Results) -> list[str]:
    run = results.locust
    if run is None:
        return []
    out = [
        "## 5. Signed-in users under Locust",
        "",
        f"{run.users} Locust users (`benchmarks/locustfile.py`, Locust from the `benchmarks` dependency group)",
        f"against one app server (`python -m app`, default settings) of a PostgreSQL bake, for {run.seconds} s,",
        "started 50 a second: each logs in once (Argon2), then reads `GET /api/v1/users/me` every 0.5 to 1.5 s.",
        'A 503 or 429 with Retry-After is waited out and tried again, and counted apart ("told to wait");',
        "a failure is any other unexpected answer, a timeout or a broken connection. Times are Locust's",
        "(its client runs on the same cores as the server).",
        "",
    ]
    lines = [
        [
            line.name,
            f"{line.requests:,}",
            str(line.failures),
            f"{line.p50_ms:.0f}",
            f"{line.p99_ms:.0f}",
            f"{line.per_second:.1f}",
        ]
        for line in run.lines
    ]
    return out + _table(["requests", "count", "failed", "p50 ms", "p99 ms", "per second"], lines)


def markdown(results: Results, previous: str | None) -> str:
    out = [
        "# Benchmarks",
        "",
        f"Written by `benchmarks/run.sh` on {results.started}, from the work tree at {results.revision}.",
        "Run it again to measure again. The figures are never asserted; the targets are what we aim for.",
        "",
        "## Figures and targets",
        "",
    ]
    out += _table(
        ["figure", "measured", "target", ""], [[r.figure, r.measured, r.target, r.verdict] for r in rows(results)]
    )
    if results.problems:
        out += ["", "Not measured in this run:", *(f"- {problem}" for problem in results.problems)]
    sections = (
        _machine(results),
        _round_trips(results),
        _idle(results),
        _fanout(results, previous),
        _logins(results),
    )
    for section in (*sections, _locust(results)):
        if section:
            out += ["", *section]
    out += ["", *_bakes(results, previous), ""]
    out += ["## Sizes of this run", "", *(f"- {name}: {value:,}" for name, value in results.sizes.items()), ""]
    return "\n".join(out)


def _kept(previous: str, start: str, end: str) -> str | None:
    """What the last RESULTS.md held between two markers."""
    found = re.search(re.escape(start) + r"\n(.*?)\n" + re.escape(end), previous, re.DOTALL)
    return found.group(1) if found else None


def write(results: Results, path: Path) -> None:
    previous = path.read_text() if path.exists() else None
    path.write_text(markdown(results, previous))
