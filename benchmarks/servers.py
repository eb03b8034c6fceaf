"""Starting and stopping the measured servers: the app (`python -m app`) and the bare apps of in_bake/."""

import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bakes import Bake, clean_env

IN_BAKE = Path(__file__).resolve().parent / "in_bake"

# Limits that are there for real users, lifted so that the load itself is measured.
APP_ENV = {
    "WS_RATE_LIMIT": "1000000",
    "WS_RATE_BURST": "1000000",
    # Thousands of sockets from the one client address open at once.
    "WS_MAX_UNAUTHENTICATED_PER_ADDRESS": "1000000",
    "WS_MAX_SOCKETS_PER_USER": "100000",
    "WS_SEND_QUEUE": "1000000",
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_listening(server: Server, timeout: float = 60.0) -> None:
    """uvicorn listens only once the app has started up (its lifespan has run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not start listening:\n{server.log.read_text(errors='replace')}")


@contextmanager
def _serving(
    name: str, command: list[str], cwd: Path, env: Mapping[str, str], port: int, log_dir: Path
) -> Iterator[Server]:
    log = log_dir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    try:
        _wait_until_listening(server)
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


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
