"""The template's own code (hooks/ and tests/) is linted, formatted and strictly typed; its scripts parse."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.baking import REPO_ROOT

TOOLS = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def tool(name: str) -> str:
    found = shutil.which(name, path=str(TOOLS)) or shutil.which(name)
    assert found, f"{name} is not installed: run uv sync"
    return found


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "hooks", "scripts", "tests", "benchmarks"),
        ("ruff", "format", "--check", "--diff", "hooks", "scripts", "tests", "benchmarks"),
    ],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command: tuple[str, ...]) -> None:
    result = run(tool(command[0]), *command[1:])
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run(tool("mypy"), "--no-incremental")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


SHELL_SCRIPTS = sorted(
    [
        *REPO_ROOT.glob("scripts/*.sh"),
        REPO_ROOT / ".ci" / "run",
        *REPO_ROOT.glob("{{cookiecutter.project_slug}}/scripts/*.sh"),
    ]
)


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_shell_script_parses(script: Path) -> None:
    result = run("bash", "-n", str(script))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "script",
    [REPO_ROOT / "scripts" / "test.sh", REPO_ROOT / "scripts" / "demo.sh", REPO_ROOT / ".ci" / "run"],
    ids=lambda path: str(path.relative_to(REPO_ROOT)),
)
def test_entry_points_executable(script: Path) -> None:
    assert script.is_file()
    assert script.stat().st_mode & 0o111, f"{script.relative_to(REPO_ROOT)} must be executable"
