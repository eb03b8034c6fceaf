"""`python -m benchmarks [--quick] [--suite] [--only ...] [--profile DIR]`: see benchmarks/run.sh."""

import argparse
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import report, scenarios
from benchmarks.bakes import REPO_DIR, Bake, bake, clean_env, prepare, run_logged
from benchmarks.machine import describe, load_average
from benchmarks.profiling import Profiler
from benchmarks.redis_cluster import redis_cluster
from benchmarks.servers import (
    IN_BAKE,
    UVICORN_OWN_PROTOCOL,
    Server,
    app_server,
    bare_server,
    granian_app_server,
    granian_bare_server,
    install_granian,
)
from tests.combinations import SUPPORTED, combination_id, default_combination

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PARTS = ("bakes", "round-trips", "idle", "fanout", "logins", "locust")
FULL = {
    "single_round_trips": 10_000,
    "many_connections": 50,
    # Windows of several seconds each, five per server taking turns: at two seconds and three
    # windows, the machine's other work moved the 50-socket ratio by a fifth between runs. The
    # servers of a part take turns in one run of the client, which sets up their sockets (users,
    # rooms) once: a server more costs its windows, not another setup per window.
    "many_round_trips": 1_500,
    "warmup_round_trips": 200,
    "round_trip_windows": 5,
    "idle_sockets": 5_000,
    "fanout_members": 1_000,
    "fanout_publishes": 50,
    "fanout_warmup": 3,
    "fanout_windows": 3,
    "flood_logins": 200,
    "flood_rounds": 2,
    "locust_users": 200,
    "locust_seconds": 60,
}
QUICK = {
    "single_round_trips": 500,
    "many_connections": 50,
    "many_round_trips": 20,
    "warmup_round_trips": 20,
    "round_trip_windows": 1,
    "idle_sockets": 200,
    "fanout_members": 100,
    "fanout_publishes": 5,
    "fanout_warmup": 1,
    "fanout_windows": 1,
    "flood_logins": 50,
    "flood_rounds": 2,
    "locust_users": 50,
    "locust_seconds": 15,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.sh", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small counts, to try the benchmarks out (writes no RESULTS.md)"
    )
    parser.add_argument(
        "--suite", action="store_true", help="also time the template's whole suite, scripts/test.sh (11 to 17 min)"
    )
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="run only these parts")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record every measured server with py-spy during the windows (writes no RESULTS.md: py-spy slows them)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help=f"where to write the results (default {RESULTS.relative_to(REPO_DIR)}, not for --quick or --profile)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the bakes and the servers' logs (their folder is printed)"
    )
    return parser.parse_args(argv)


def one_line(error: Exception) -> str:
    """An error's first line, and its last when there are more: a failed command's message ends
    with its log's last lines, the last of which says what went wrong."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_DIR, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} (with uncommitted changes)" if git("status", "--porcelain") else commit


class Run:
    def __init__(self, options: argparse.Namespace, work: Path) -> None:
        self.options = options
        self.sizes = QUICK if options.quick else FULL
        self.work = work
        self.logs = work / "logs"
        self.logs.mkdir()
        self.results = report.Results(
            started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), revision=revision(), sizes=dict(self.sizes)
        )
        self.profiler = Profiler(options.profile) if options.profile else None
        self.default = default_combination()
        self.redis = {**self.default, "realtime_broker": "redis"}
        self.postgresql = {**self.default, "database": "postgresql", "frontend": "none"}
        self.bakes: dict[str, Bake] = {}

    def attempt(self, what: str, step: Callable[[], None]) -> None:
        """A part that fails is reported, and the other parts still run."""
        started = time.perf_counter()
        self.results.loads.append(load_average()[0])
        try:
            step()
            print(f"  ({what}: {time.perf_counter() - started:.0f} s)")
        except Exception as error:
            self.fail(what, error)

    def fail(self, what: str, error: Exception) -> None:
        print(f"!! {what} failed: {error}", file=sys.stderr)
        self.results.problems.append(f"{what}: {one_line(error)}")

    def at_mark(self, label: str, pids: list[int]) -> Callable[[str], None] | None:
        return self.profiler.window(label, pids) if self.profiler else None

    def at_turns(self, label: str, servers: dict[str, list[Server]]) -> Callable[[str], None] | None:
        """An `at_mark` for a run whose servers take turns: the profiler records each window
        (marks `start/NAME/WINDOW` and `end/NAME/WINDOW`) on the processes of the server named."""
        profiler = self.profiler
        if profiler is None:
            return None
        recording: dict[str, Callable[[str], None]] = {}

        def at_mark(mark: str) -> None:
            what, name, *_ = [*mark.split("/"), ""]
            if what == "start":
                pids = [pid for server in servers[name] for pid in server.pids()]
                recording[name] = profiler.window(f"{label}-{name}", pids)
            if what in ("start", "end") and name in recording:
                recording[name](what)

        return at_mark

    # Bakes

    def bake_all(self) -> None:
        timed = "bakes" in self.options.only and not self.options.quick
        wanted = SUPPORTED if timed else [self.default, self.redis, self.postgresql]
        print(f"Baking {len(wanted)} combination{'s' if len(wanted) > 1 else ''} with scripts/bake.sh ...")
        for combination in wanted:
            name = combination_id(combination)
            baked, seconds = bake(combination, self.work / "bakes" / name, self.logs / "bakes.log")
            self.bakes[name] = baked
            if timed or "bakes" in self.options.only:
                self.results.bakes[name] = seconds
            print(f"  {name}: {seconds:.1f} s")

    def ready(self, combination: dict[str, str]) -> Bake:
        name = combination_id(combination)
        baked = self.bakes[name]
        if name not in self.results.bootstraps:
            self.results.bootstraps[name] = prepare(baked, self.logs / f"prepare-{name}.log")
        return baked

    # Measurements on the default bake

    def default_bake(self) -> None:
        baked = self.ready(self.default)
        self.results.machine = describe(baked.python)
        if {"round-trips", "idle"} & set(self.options.only):
            with self.servers(baked) as servers:
                if "round-trips" in self.options.only:
                    self.attempt("round trips", lambda: self.round_trips(baked, servers))
                if "idle" in self.options.only:
                    self.attempt("idle sockets", lambda: self.idle(baked, servers))
        if "fanout" in self.options.only:
            self.attempt("fan-out (memory)", lambda: self.fanout_memory(baked))
        if "logins" in self.options.only:
            self.attempt("concurrent logins", lambda: self.logins(baked))

    @contextmanager
    def servers(self, baked: Bake) -> Iterator[dict[str, Server]]:
        """The servers of the round trips and the idle sockets, in report.SERVERS's order: on uvicorn,
        the floor and the app with the adapter and without; then, when Granian installs into the bake
        and they start, the floor and the app on Granian (else the run says why, and goes on)."""
        with ExitStack() as stack:
            servers = {
                "floor": stack.enter_context(bare_server(baked, "floor", self.logs)),
                "app": stack.enter_context(app_server(baked, "app", self.logs)),
                "app-own": stack.enter_context(app_server(baked, "app-own", self.logs, UVICORN_OWN_PROTOCOL)),
            }
            on_granian: dict[str, Callable[[], ContextManager[Server]]] = {
                "granian-floor": lambda: granian_bare_server(baked, "floor", "granian-floor", self.logs),
                "granian-app": lambda: granian_app_server(baked, "granian-app", self.logs),
            }
            try:
                self.results.granian = install_granian(baked, self.logs / "granian-install.log")
            except Exception as error:
                self.fail("Granian's install into the bake", error)
                on_granian = {}
            for who, start in on_granian.items():
                try:
                    servers[who] = stack.enter_context(start())
                except Exception as error:
                    self.fail(f"starting the {report.SERVERS[who]}", error)
            yield servers

    def round_trips(self, baked: Bake, servers: dict[str, Server]) -> None:
        s = self.sizes
        width = max(len(report.SERVERS[who]) for who in servers)
        for connections, count in ((1, s["single_round_trips"]), (s["many_connections"], s["many_round_trips"])):
            # The servers take turns window by window, so that a change in the machine's load hits
            # them alike.
            turns = scenarios.round_trips(
                baked,
                servers,
                self.logs / f"client-round-trips-{connections}.log",
                connections=connections,
                count=count,
                warmup=s["warmup_round_trips"],
                windows=s["round_trip_windows"],
                apps=report.APPS,
                at_mark=self.at_turns(f"round-trips-{connections}", {who: [server] for who, server in servers.items()}),
            )
            self.left_out(turns.failures, f"round trips, {connections} sockets")
            for number in range(s["round_trip_windows"]):
                for who, windows in turns.figures.items():
                    figures = windows[number]
                    self.results.round_trip_windows.setdefault((who, connections), []).append(figures)
                    print(
                        f"  round trips, {report.SERVERS[who]:<{width}} {connections:>3} sockets: "
                        f"{figures.rate:8,.0f}/s  p50 {figures.p50_ms:6.2f} ms  p99 {figures.p99_ms:6.2f} ms  "
                        f"CPU {figures.cpu_us:6.1f} us per round trip ({100 * figures.system_share:.0f}% kernel)  "
                        f"(errors {figures.errors}, lost {figures.lost})"
                    )
            for line in report.round_trip_medians(self.results, connections):
                print(f"    {line}")

    def left_out(self, failures: dict[str, str], what: str) -> None:
        for who, failure in failures.items():
            print(f"!! {what}: {report.SERVERS[who]} left out: {failure}", file=sys.stderr)
            self.results.problems.append(f"{what}, {report.SERVERS[who]}: {failure}")

    def idle(self, baked: Bake, servers: dict[str, Server]) -> None:
        turns = scenarios.idle_memory(
            baked,
            servers,
            self.logs / "client-idle.log",
            sockets=self.sizes["idle_sockets"],
            warmup=20,
            apps=report.APPS,
        )
        self.left_out(turns.failures, "idle sockets")
        width = max(len(report.SERVERS[who]) for who in servers)
        for who, figures in turns.figures.items():
            self.results.idle[who] = figures
            target = f" (target <= {report.IDLE_KIB_TARGET:.0f} KiB)" if who in report.TARGETED else ""
            print(
                f"  idle sockets, {report.SERVERS[who]:<{width}}: {figures.per_socket_kib:5.1f} KiB per socket "
                f"over {figures.sockets:,}{target}"
            )

    def fanout(self, part: str, baked: Bake, servers: dict[str, list[Server]]) -> None:
        """The servers' rooms, set up once in one run of the client, taking turns window by window
        so that a change in the machine's load hits them alike."""
        s = self.sizes
        measured = scenarios.fanout(
            baked,
            servers,
            self.logs / f"client-fanout-{part}.log",
            members=s["fanout_members"],
            publishes=s["fanout_publishes"],
            warmup=s["fanout_warmup"],
            windows=s["fanout_windows"],
            apps=set(servers) - {"naive"},
            at_mark=self.at_turns(f"fanout-{part}", servers),
        )
        width = max(len(report.FANOUT_LABELS[label]) for label in servers)
        for number in range(s["fanout_windows"]):
            for label, windows in measured.items():
                figures = windows[number]
                self.results.fanout_windows.setdefault(label, []).append(figures)
                print(
                    f"  fan-out, {report.FANOUT_LABELS[label]:<{width}}: CPU {figures.cpu_us:5.1f} us per delivery "
                    f"({100 * figures.system_share:.0f}% kernel)  first member p50 {figures.first_p50_ms:5.1f} ms, "
                    f"last p50 {figures.p50_ms:6.1f} ms  "
                    f"p99 {figures.p99_ms:6.1f} ms  ({figures.deliveries:,} deliveries, {figures.missed} missed)"
                )
        naive = self.results.fanout.get("naive")
        for label in measured:
            figures = self.results.fanout[label]
            if naive is not None and label != "naive":
                print(
                    f"    median, {report.FANOUT_LABELS[label]}: {report.ratio(figures.cpu_us, naive.cpu_us):.2f}x "
                    f"the naive loop's CPU per delivery (target <= {report.CPU_RATIO_TARGET}x); "
                    f"p99 {figures.p99_ms:.0f} ms vs {naive.p99_ms:.0f} ms (target: no worse)"
                )

    def fanout_memory(self, baked: Bake) -> None:
        with (
            bare_server(baked, "naive_fanout", self.logs) as naive,
            app_server(baked, "app-fanout", self.logs) as app,
            app_server(baked, "app-own-fanout", self.logs, UVICORN_OWN_PROTOCOL) as own,
        ):
            self.fanout("memory", baked, {"naive": [naive], "memory": [app], "memory-own": [own]})

    def logins(self, baked: Bake) -> None:
        """Rounds of wrong logins at once on a server of their own: its idle RSS is the app's alone,
        and a second round shows whether what the first took is given back."""
        with app_server(baked, "app-logins", self.logs) as app:
            for number in range(1, self.sizes["flood_rounds"] + 1):
                figures = scenarios.login_flood(
                    baked,
                    app,
                    self.logs / f"client-logins-{number}.log",
                    logins=self.sizes["flood_logins"],
                    round_number=number,
                    at_mark=self.at_mark(f"logins-{number}", [app.pid]),
                )
                self.results.logins.append(figures)
                print(
                    f"  logins, round {number}: {figures.logins} at once, answered in {figures.seconds:.1f} s: "
                    f"{report.outcomes(figures.outcomes)} (503s after p50 {figures.refused_p50_ms:.0f} ms, "
                    f"at most {figures.refused_max_ms:.0f} ms)  RSS {figures.rss_idle / 2**20:.0f} MiB at the start, "
                    f"peak {figures.rss_peak / 2**20:.0f} MiB, {figures.rss_after / 2**20:.0f} MiB at the end  "
                    f"/health p50 {figures.p50_ms:.1f} ms p99 {figures.p99_ms:.1f} ms "
                    f"({figures.probes} probes, {figures.probe_failures} failed)"
                )
        floods = self.results.logins
        growths = " / ".join(f"+{report.login_growth_mib(floods, flood):.0f}" for flood in floods)
        print(
            f"    peak RSS over the first idle, each round: {growths} MiB "
            f"(target <= {report.login_growth_bound_mib(floods[0].checks_at_once):.0f} MiB); "
            f"/health p99 at most {max(flood.p99_ms for flood in floods):.1f} ms "
            f"(target < {report.HEALTH_P99_TARGET_MS:.0f} ms); "
            f"{sum(flood.failures for flood in floods)} logins failed (target 0)"
        )

    def fanout_redis(self) -> None:
        """Two workers with the adapter and two on uvicorn's own protocol, taking turns; each pair
        under a Redis key prefix of its own, so that neither hears the other's rooms. Beside them, two
        workers with the adapter on a Redis Cluster of the run's own (three masters, a replica each)."""
        baked = self.ready(self.redis)
        prefix = f"bench-{secrets.token_hex(4)}-"
        adapter = {"REDIS_KEY_PREFIX": f"{prefix}adapter:"}
        own = {"REDIS_KEY_PREFIX": f"{prefix}own:", **UVICORN_OWN_PROTOCOL}
        try:
            with (
                redis_cluster(self.work / "redis-cluster", self.logs / "redis-cluster.log") as cluster_urls,
                app_server(baked, "redis-1", self.logs, adapter) as first,
                app_server(baked, "redis-2", self.logs, adapter) as second,
                app_server(baked, "redis-own-1", self.logs, own) as own_first,
                app_server(baked, "redis-own-2", self.logs, own) as own_second,
                app_server(baked, "redis-cluster-1", self.logs, {"REDIS_CLUSTER_URLS": cluster_urls}) as on_cluster,
                app_server(baked, "redis-cluster-2", self.logs, {"REDIS_CLUSTER_URLS": cluster_urls}) as on_cluster_too,
            ):
                self.fanout(
                    "redis",
                    baked,
                    {
                        "redis": [first, second],
                        "redis-own": [own_first, own_second],
                        "redis-cluster": [on_cluster, on_cluster_too],
                    },
                )
        finally:
            run_logged(
                [str(baked.python), str(IN_BAKE / "forget_redis_keys.py"), prefix],
                self.logs / "redis.log",
                cwd=baked.backend,
                env=clean_env(PYTHONPATH=str(baked.backend)),
            )

    def locust(self) -> None:
        """Locust's signed-in users on the PostgreSQL bake, on a database of the run's own."""
        baked = self.bakes[combination_id(self.postgresql)]
        database = f"bench_{secrets.token_hex(4)}"
        env_file = baked.project / ".env"
        env_file.write_text(re.sub(r"(?m)^POSTGRES_DB=.*$", f"POSTGRES_DB={database}", env_file.read_text()))
        baked = self.ready(self.postgresql)  # creates and migrates the database
        log = self.logs / "locust.log"
        accounts = [str(baked.python), str(IN_BAKE / "accounts.py")]
        in_bake = {"cwd": baked.backend, "env": clean_env(PYTHONPATH=str(baked.backend))}
        emails, password = self.work / "locust-accounts.txt", secrets.token_urlsafe(16)
        users, seconds = self.sizes["locust_users"], self.sizes["locust_seconds"]
        try:
            run_logged([*accounts, "make", str(users), password, str(emails)], log, **in_bake)
            with app_server(baked, "app-locust", self.logs) as app:
                figures = scenarios.locust(
                    app, emails, password, self.logs / "locust-run.log", users=users, seconds=seconds
                )
            self.results.locust = figures
            for line in figures.lines:
                print(
                    f"  {line.name}: {line.requests:,} requests, {line.failures} failed, "
                    f"p50 {line.p50_ms:.0f} ms, p99 {line.p99_ms:.0f} ms, {line.per_second:.0f}/s"
                )
        finally:
            run_logged([*accounts, "delete"], log, **in_bake)
            drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", drop], capture_output=True, check=False)

    def suite(self) -> None:
        print("Timing the template's suite (scripts/test.sh) ...")
        started = time.perf_counter()
        with (self.logs / "suite.log").open("wb") as output:
            result = subprocess.run(
                ["bash", str(REPO_DIR / "scripts" / "test.sh")],
                cwd=REPO_DIR,
                env=clean_env(),
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        self.results.suite_seconds = time.perf_counter() - started
        self.results.suite_passed = result.returncode == 0
        print(
            f"  scripts/test.sh: {self.results.suite_seconds / 60:.1f} min "
            f"({'passed' if self.results.suite_passed else 'failed'})"
        )

    def run(self) -> report.Results:
        self.results.load_start = load_average()
        print(f"Load average at the start: {' / '.join(f'{v:.2f}' for v in self.results.load_start)}")
        self.bake_all()
        measured = {"round-trips", "idle", "fanout", "logins"} & set(self.options.only)
        if measured:
            print("Measuring the default bake against the floor ...")
            self.attempt("default bake", self.default_bake)
        if "fanout" in self.options.only:
            print("Measuring the fan-out over Redis and over a Redis Cluster, two workers ...")
            self.attempt("fan-out (redis)", self.fanout_redis)
        if "locust" in self.options.only:
            print(f"Locust: {self.sizes['locust_users']} signed-in users on the PostgreSQL bake ...")
            self.attempt("locust", self.locust)
        if self.options.suite:
            self.attempt("template suite", self.suite)
        self.results.load_end = load_average()
        return self.results


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="benchmarks-"))
    try:
        run = Run(options, work)
        results = run.run()
        report.print_rows(results)
        print(f"Load average at the end: {' / '.join(f'{v:.2f}' for v in results.load_end or ())}")
        target = options.results or (None if options.quick or options.profile else RESULTS)
        if target is not None:
            report.write(results, target)
            print(f"Wrote {target}")
        if options.profile:
            summary = options.profile / "hot-spots.txt"
            summary.write_text(run.profiler.summaries() if run.profiler else "")
            print(f"Profiles and their hot spots in {options.profile} (hot-spots.txt)")
    finally:
        if options.keep:
            print(f"Bakes and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
