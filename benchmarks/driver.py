"""Running in_bake/client.py with a bake's python, and reading the servers at each of its marks."""

import json
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bakes import Bake, clean_env
from benchmarks.meter import Sample, rss_bytes
from benchmarks.servers import IN_BAKE

CLIENT = IN_BAKE / "client.py"
# How long the access tokens the client makes last: the servers' turns of one run can take longer than
# the app's 15 minutes on a busy machine, and a socket whose token expires is closed.
LONGEST_RUN_MINUTES = "240"


@dataclass(frozen=True)
class Mark:
    sample: Sample
    rss: int


@dataclass
class ClientRun:
    result: dict[str, Any]
    marks: dict[str, Mark] = field(default_factory=dict)


def run_client(
    bake: Bake,
    scenario: str,
    config: dict[str, Any],
    server_pids: Iterable[int],
    log: Path,
    at_mark: Callable[[str], None] | None = None,
    turns: Mapping[str, Iterable[int]] | None = None,
) -> ClientRun:
    """Run one scenario of the client; the servers' CPU and RSS are read at each mark it makes.

    The client waits at each mark until the reading is done, so a window holds exactly the
    work between its marks. `at_mark` runs right after each reading (a profiler starts there).
    When the servers take turns in one run, `turns` names each one's processes, and a mark
    `WHAT/NAME[/WINDOW]` reads those of NAME alone.
    """
    pids = list(server_pids)
    by_name = {name: list(processes) for name, processes in (turns or {}).items()}
    marks: dict[str, Mark] = {}
    result: dict[str, Any] | None = None
    with log.open("ab") as errors:
        process = subprocess.Popen(
            [str(bake.python), str(CLIENT), scenario, json.dumps(config)],
            cwd=bake.backend,
            env=clean_env(PYTHONPATH=str(bake.backend), ACCESS_TOKEN_EXPIRE_MINUTES=LONGEST_RUN_MINUTES),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        if process.stdin is None or process.stdout is None:
            raise RuntimeError("the client's pipes were not opened")
        for line in process.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "mark" in message:
                name = message["mark"]
                parts = name.split("/")
                read = by_name[parts[1]] if len(parts) > 1 and parts[1] in by_name else pids
                marks[name] = Mark(Sample.take(read, process.pid), rss_bytes(read))
                if at_mark is not None:
                    at_mark(name)
                process.stdin.write("\n")
                process.stdin.flush()
            elif "result" in message:
                result = message["result"]
        process.stdin.close()
        returncode = process.wait()
    if returncode != 0 or result is None:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"the client's {scenario} run failed ({returncode}):\n{tail}")
    return ClientRun(result, marks)
