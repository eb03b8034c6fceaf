"""Baking projects with scripts/bake.sh, and getting a bake ready to serve."""

import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bake:
    project: Path

    @property
    def backend(self) -> Path:
        return self.project / "backend"

    @property
    def python(self) -> Path:
        return self.backend / ".venv" / "bin" / "python"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the template's virtualenv, so a bake's tools use their own."""
    env = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    return {**env, **extra}


def run_logged(command: list[str], log: Path, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> float:
    """Run a command with its output in `log`; its wall time. Fails with the log's end if it fails."""
    started = time.perf_counter()
    with log.open("ab") as output:
        result = subprocess.run(command, cwd=cwd, env=env or clean_env(), stdout=output, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{tail}")
    return elapsed


def bake(options: Mapping[str, str], output_dir: Path, log: Path) -> tuple[Bake, float]:
    """Bake with these options into a fresh output_dir; the bake and how long scripts/bake.sh took."""
    output_dir.mkdir(parents=True)
    answers = [f"{name}={value}" for name, value in options.items()]
    seconds = run_logged(
        ["bash", str(REPO_DIR / "scripts" / "bake.sh"), "--no-input", *answers],
        log,
        env=clean_env(OUTPUT_DIR=str(output_dir)),
    )
    (project,) = output_dir.iterdir()
    return Bake(project), seconds


def prepare(bake: Bake, log: Path) -> float:
    """The bake's scripts/bootstrap.sh (uv sync, .env), then its database; the bootstrap's wall time."""
    seconds = run_logged(["bash", str(bake.project / "scripts" / "bootstrap.sh")], log)
    run_logged([str(bake.python), "-m", "app.prestart"], log, cwd=bake.backend)
    return seconds
