"""A Redis Cluster of the run's own for the fan-out over a cluster: three masters with a replica each,
redis-server processes on free loopback ports, without persistence, removed at the end."""

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.bakes import run_logged
from benchmarks.servers import free_port

NODES = 6


def _cli(port: int, *args: str) -> str:
    command = ["redis-cli", "-p", str(port), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=10, check=False).stdout


def _synced(port: int) -> bool:
    """The node sees the cluster whole, and lists a replica beside every master (it does so once the
    replica has synced)."""
    if "cluster_state:ok" not in _cli(port, "cluster", "info"):
        return False
    # Each slot range: its first slot, its last, its master, then its replicas.
    ranges = json.loads(_cli(port, "--json", "cluster", "slots") or "[]")
    return bool(ranges) and all(len(slots) > 3 for slots in ranges)


@contextmanager
def redis_cluster(folder: Path, log: Path) -> Iterator[str]:
    """The cluster's nodes, as REDIS_CLUSTER_URLS takes them."""
    folder.mkdir()
    ports = [free_port() for _ in range(NODES)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("ab") as output:
            for port in ports:
                directory = folder / str(port)
                directory.mkdir()
                command = [
                    "redis-server", "--port", str(port), "--cluster-port", str(free_port()),
                    "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
                    "--repl-diskless-sync-delay", "0", "--dir", str(directory),
                ]  # fmt: skip
                processes.append(subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 10
        while not all(_cli(port, "ping").strip() == "PONG" for port in ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (see {log})")
            time.sleep(0.1)
        nodes = [f"127.0.0.1:{port}" for port in ports]
        run_logged(["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", "1", "--cluster-yes"], log)
        deadline = time.monotonic() + 30
        while not all(_synced(port) for port in ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Redis Cluster did not come up (see {log})")
            time.sleep(0.2)
        yield ",".join(f"redis://{node}" for node in nodes)
    finally:
        for process in processes:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
