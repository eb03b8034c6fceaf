"""A baked project deployed as docs/deployment-guide.md says, without containers: two backends behind Caddy.

The default answers on PostgreSQL and Redis, installed with the project's own scripts, the frontend built,
a production .env, `python -m app.prestart`, two `python -m app` processes on ports of their own (sharing
the database and Redis), and Debian's Caddy (`apt-get install caddy`) running the shipped
proxy/Caddyfile on a third port. Then, through the proxy's port only (tests/proxy_run.py, run by the
bake's own Python): the page, the health probe, login's cookie, the session socket on both backends,
a room whose members sit on different backends, and the page in Chromium. The backends' logs say where
each socket landed. Everything started is stopped, and the database dropped, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.baking import REPO_ROOT, link_packages, run_bounded
from tests.combinations import default_combination
from tests.conftest import Bake

ANSWERS = {**default_combination(), "database": "postgresql", "realtime_broker": "redis"}
CADDY = "/usr/bin/caddy"
CLIENT = REPO_ROOT / "tests" / "proxy_run.py"
INSTALL_TIMEOUT = 900
START_TIMEOUT = 60
CLIENT_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def set_env_values(env_file: Path, values: Mapping[str, str]) -> None:
    """Change these settings in .env (the others, the generated secrets among them, stay)."""
    lines, done = [], set()
    for line in env_file.read_text().splitlines():
        name = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and name in values:
            lines.append(f"{name}={values[name]}")
            done.add(name)
        else:
            lines.append(line)
    lines += [f"{name}={value}" for name, value in values.items() if name not in done]
    env_file.write_text("\n".join(lines) + "\n")


def env_values(env_file: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line and not line.startswith("#")
    )


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args!r} exited early:\n{log.read_text(errors='replace')}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as answer,  # noqa: S310 (a local URL)
        ):
            if answer.status == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"no healthy answer from {url}:\n{log.read_text(errors='replace')}")


class Processes:
    """Long-running processes, each in a session (process group) of its own, all stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, args: list[str], cwd: Path, env: Mapping[str, str]
    ) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.logs / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                args,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(process)
        return process, log

    def stop_all(self) -> None:
        for process in reversed(self.running):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.running):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            # Anything the process left in its group goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def drop_database(name: str) -> None:
    result = run_bounded(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout


def delete_redis_keys(prefix: str) -> None:
    found = run_bounded(
        ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", f"{prefix}*"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    keys = found.stdout.split()
    if keys:
        run_bounded(["redis-cli", "-h", "127.0.0.1", "del", *keys], stdout=subprocess.PIPE, timeout=60)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Processes(logs)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.mark.slow
def test_two_backends_behind_caddy(
    bake: Bake, script_env: dict[str, str], processes: Processes, node_modules: Path, tmp_path: Path
) -> None:
    assert Path(CADDY).is_file(), "Caddy is not installed: apt-get install caddy (.ci/run does)"
    result = bake(ANSWERS)
    assert result.project_path is not None, repr(result.exception)
    project = result.project_path
    backend = project / "backend"
    # The run's one install of the page's packages: `npm ci` from nothing is the guides' (test_docs).
    link_packages(node_modules, project / "frontend")

    # Install the backend (scripts/bootstrap.sh) and build the page, as scripts/run.sh does.
    install = run_bounded(
        ["bash", "-c", "source scripts/bootstrap.sh && source scripts/frontend.sh && require_npm && build_frontend"],
        cwd=project,
        env=script_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=INSTALL_TIMEOUT,
    )
    assert install.returncode == 0, install.stdout
    assert (project / "frontend" / "dist" / "index.html").is_file()

    proxy_port, ports = free_port(), (free_port(), free_port())
    origin = f"http://127.0.0.1:{proxy_port}"
    database = f"proxy_test_{secrets.token_hex(4)}"
    redis_prefix = f"proxy-test-{secrets.token_hex(4)}:"
    set_env_values(
        project / ".env",
        {
            "ENVIRONMENT": "production",
            # Production takes public https:// origins only; the page reached through the proxy's
            # port is the site itself, which needs no listing.
            "FRONTEND_HOST": "https://app.example.com",
            "BACKEND_CORS_ORIGINS": "https://app.example.com",
            "POSTGRES_SERVER": "127.0.0.1",
            "POSTGRES_DB": database,
            # Mail is not sent here; production only insists that a server be named.
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(free_port()),
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "REDIS_KEY_PREFIX": redis_prefix,
        },
    )
    settings = env_values(project / ".env")
    python = str(backend / ".venv" / "bin" / "python")
    env = {name: value for name, value in script_env.items() if name not in settings}
    try:
        prestart = run_bounded(
            [python, "-m", "app.prestart"],
            cwd=backend,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
        assert prestart.returncode == 0, prestart.stdout

        logs = []
        for number, port in enumerate(ports, start=1):
            server, log = processes.start(f"backend-{number}", [python, "-m", "app", "--port", str(port)], backend, env)
            wait_until_healthy(f"http://127.0.0.1:{port}", server, log)
            logs.append(log)

        caddy_home = tmp_path / "caddy"
        caddy_home.mkdir()
        caddy_env = {
            "PATH": script_env["PATH"],
            "HOME": str(caddy_home),
            "XDG_DATA_HOME": str(caddy_home / "data"),
            "XDG_CONFIG_HOME": str(caddy_home / "config"),
            "SITE_ADDRESS": origin,
            "BACKEND_UPSTREAMS": " ".join(f"127.0.0.1:{port}" for port in ports),
            "CADDY_ADMIN": "off",
        }
        caddyfile = str(project / "proxy" / "Caddyfile")
        validated = run_bounded(
            [CADDY, "validate", "--adapter", "caddyfile", "--config", caddyfile],
            env=caddy_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=60,
        )
        assert validated.returncode == 0, validated.stdout
        caddy, caddy_log = processes.start(
            "caddy", [CADDY, "run", "--adapter", "caddyfile", "--config", caddyfile], project, caddy_env
        )
        wait_until_healthy(origin, caddy, caddy_log)

        client = run_bounded(
            [python, str(CLIENT), origin, settings["FIRST_SUPERUSER"], settings["FIRST_SUPERUSER_PASSWORD"]],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=CLIENT_TIMEOUT,
        )
        backend_logs = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in [*logs, caddy_log])
        assert client.returncode == 0, f"{client.stdout}\n{client.stderr}\n{backend_logs}"
        print(client.stdout)

        # The backends log each client's address as the proxy forwarded it (X-Forwarded-For): the HTTP
        # client's, and each socket's, one on each backend.
        texts = [log.read_text(errors="replace") for log in logs]
        assert any('127.0.0.2:0 - "GET /api/v1/health' in text for text in texts), backend_logs
        first, second = (
            [
                index
                for index, text in enumerate(texts)
                if f'{address}:0 - "WebSocket /api/v1/socket" [accepted]' in text
            ]
            for address in ("127.0.0.3", "127.0.0.4")
        )
        assert len(first) == 1, f"the first socket is on backends {first}\n{backend_logs}"
        assert len(second) == 1, f"the second socket is on backends {second}\n{backend_logs}"
        assert first != second, f"both sockets landed on backend {first[0] + 1}\n{backend_logs}"
    finally:
        processes.stop_all()
        drop_database(database)
        delete_redis_keys(redis_prefix)
    assert all(process.poll() is not None for process in processes.running)
