"""Starting and stopping the measured servers: the app (`python -m app`) and the bare apps of in_bake/,
on uvicorn as the project serves them, and on Granian beside them."""

import os
import socket
import subprocess
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.bakes import REPO_DIR, Bake, clean_env, run_logged

IN_BAKE = Path(__file__).resolve().parent / "in_bake"

# Limits that are there for real users, lifted so that the load itself is measured.
APP_ENV = {
    "WS_RATE_LIMIT": "1000000",
    "WS_RATE_BURST": "1000000",
    # Thousands of sockets from the one client address open at once.
    "WS_MAX_UNAUTHENTICATED_PER_ADDRESS": "1000000",
    "WS_MAX_SOCKETS_PER_USER": "100000",
    "WS_SEND_QUEUE": "1000000",
    # A room's members only listen: in a run whose servers take turns, minutes may pass between
    # two frames of theirs while the other servers' rooms are set up.
    "WS_IDLE_TIMEOUT": "3600",
}
# The socket settings `python -m app` gives uvicorn (app/__main__.py), at their defaults.
BARE_UVICORN_OPTIONS = [
    "--ws",
    "websockets-sansio",
    "--ws-max-size",
    "65536",
    "--ws-ping-interval",
    "20",
    "--ws-ping-timeout",
    "20",
    "--ws-per-message-deflate",
    "false",
    "--proxy-headers",
]
# The app on uvicorn's own websocket protocol, without the adapter (app/realtime/uvicorn.py).
UVICORN_OWN_PROTOCOL = {"WS_UVICORN_ADAPTER": "false"}
# Granian as the benchmark runs it: its defaults (one worker process with one runtime thread),
# on uvloop as uvicorn is. It has no settings for websocket pings or the largest message.
GRANIAN_OPTIONS = [
    "--interface",
    "asgi",
    "--workers",
    "1",
    "--runtime-threads",
    "1",
    "--loop",
    "uvloop",
    # A worker that does not stop is killed (else it would outlive its main process).
    "--workers-kill-timeout",
    "20",
]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/socket"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The server's process and its children: Granian serves from a worker process of its own."""
        try:
            process = psutil.Process(self.pid)
            return [self.pid, *(child.pid for child in process.children(recursive=True))]
        except psutil.NoSuchProcess:
            return [self.pid]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    """Whether an HTTP request to the port has an answer (any status): uvicorn listens once the
    app has started up (its lifespan has run), Granian's worker only answers once it has, but its
    main process may take connections before."""
    request = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(request)
            return connection.recv(5) == b"HTTP/"
    except OSError:
        return False


def _wait_until_serving(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log.read_text(errors='replace')}")
        if _answers(server.port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not start serving:\n{server.log.read_text(errors='replace')}")


@contextmanager
def _serving(
    name: str, command: list[str], cwd: Path, env: Mapping[str, str], port: int, log_dir: Path
) -> Iterator[Server]:
    log = log_dir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        stop(server)


def app_server(bake: Bake, name: str, log_dir: Path, env: Mapping[str, str] | None = None) -> ContextManager[Server]:
    """`python -m app --port P` from the bake's backend/, with the limits of APP_ENV lifted."""
    port = free_port()
    command = [str(bake.python), "-m", "app", "--port", str(port)]
    return _serving(name, command, bake.backend, clean_env(**APP_ENV, **(env or {})), port, log_dir)


def bare_server(bake: Bake, module: str, log_dir: Path) -> ContextManager[Server]:
    """One of in_bake/'s bare Starlette apps, on the bake's uvicorn with the app's socket settings."""
    port = free_port()
    command = [str(bake.python), "-m", "uvicorn", f"{module}:app", "--app-dir", str(IN_BAKE)]
    command += ["--host", "127.0.0.1", "--port", str(port), *BARE_UVICORN_OPTIONS]
    return _serving(module, command, bake.backend, clean_env(), port, log_dir)


def granian_version() -> str:
    """The Granian of the template's `benchmarks` dependency group, as uv.lock pins it (read from the
    lock: the bakes' scripts sync the template's environment without the group)."""
    lock = tomllib.loads((REPO_DIR / "uv.lock").read_text())
    for package in lock.get("package", []):
        if package.get("name") == "granian":
            return str(package["version"])
    raise RuntimeError("uv.lock pins no granian: it belongs in pyproject.toml's benchmarks dependency group")


def install_granian(bake: Bake, log: Path) -> str:
    """The template's Granian, installed into the bake's environment for this run only (the bake's
    pyproject.toml is left as it is, and its next `uv sync` takes Granian out again); its version."""
    version = granian_version()
    uv = os.environ.get("UV", "uv")
    run_logged([uv, "pip", "install", "--python", str(bake.python), f"granian=={version}"], log, cwd=bake.backend)
    return version


def granian_app_server(bake: Bake, name: str, log_dir: Path) -> ContextManager[Server]:
    """`granian --interface asgi app.main:app` from the bake's backend/, with the limits of APP_ENV
    lifted: the app with its lifespan, without the adapter (it is uvicorn's)."""
    port = free_port()
    command = [str(bake.python), "-m", "granian", *GRANIAN_OPTIONS, "--host", "127.0.0.1", "--port", str(port)]
    return _serving(name, [*command, "app.main:app"], bake.backend, clean_env(**APP_ENV), port, log_dir)


def granian_bare_server(bake: Bake, module: str, name: str, log_dir: Path) -> ContextManager[Server]:
    """One of in_bake/'s bare Starlette apps on Granian, in the bake's environment."""
    port = free_port()
    command = [str(bake.python), "-m", "granian", *GRANIAN_OPTIONS, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--working-dir", str(IN_BAKE), f"{module}:app"]
    return _serving(name, command, bake.backend, clean_env(), port, log_dir)


def stop(server: Server) -> None:
    """Stop the server, and whatever processes of its own it leaves behind (Granian's worker)."""
    try:
        children = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        with suppress(psutil.NoSuchProcess):
            child.kill()
