"""scripts/frontend.sh's build_frontend (run by scripts/run.sh and test.sh) builds the page only
when something it is made of changed since the last build: a second start with nothing changed
skips the build. Run with a stand-in npm that writes down what it is asked, in a copy of a frontend
folder's shape: no real build, no network."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import PROJECT_DIR

FRONTEND_SH = PROJECT_DIR / "scripts" / "frontend.sh"
FAKE_NPM = """#!/bin/sh
echo "$*" >> "$NPM_LOG"
if [ "$1" = run ] && [ "$3" = build ]; then mkdir -p dist && echo built > dist/index.html; fi
"""
BUILD = "run --silent build -- --logLevel warn"
SCRIPT = 'set -euo pipefail; PROJECT_DIR="$1"; source "$2"; build_frontend'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    frontend = tmp_path / "frontend"
    (frontend / "src").mkdir(parents=True)
    (frontend / "src" / "main.tsx").write_text("export const page = 1;\n")
    (frontend / "src" / "main.test.tsx").write_text("// a test\n")
    (frontend / "index.html").write_text("<!doctype html>\n")
    (frontend / "package.json").write_text("{}\n")
    (frontend / "package-lock.json").write_text("{}\n")
    (frontend / "vite.config.ts").write_text("export default {};\n")
    (frontend / "tsconfig.json").write_text("{}\n")
    installed = frontend / "node_modules" / ".package-lock.json"
    installed.parent.mkdir()
    installed.write_text("{}\n")
    # Installed after the lockfile was written: no `npm ci`.
    lock_time = (frontend / "package-lock.json").stat().st_mtime
    os.utime(installed, (lock_time + 10, lock_time + 10))
    (tmp_path / ".env").write_text('VITE_PROJECT_NAME="One"\n')
    npm = tmp_path / "bin" / "npm"
    npm.parent.mkdir()
    npm.write_text(FAKE_NPM)
    npm.chmod(0o755)
    return tmp_path


def build(project: Path) -> tuple[str, list[str]]:
    """build_frontend once: what it said, and every npm command of the run so far."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VITE_")}
    env["PATH"] = f"{project / 'bin'}:{env['PATH']}"
    env["NPM_LOG"] = str(project / "npm.log")
    ran = subprocess.run(
        ["bash", "-c", SCRIPT, "-", str(project), str(FRONTEND_SH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    log = project / "npm.log"
    return ran.stderr, log.read_text().splitlines() if log.is_file() else []


def test_a_second_start_with_nothing_changed_skips_the_build(project: Path) -> None:
    said, npm = build(project)
    assert "Building the frontend" in said
    assert npm == [BUILD]

    said, npm = build(project)
    assert "nothing in it changed since" in said
    assert npm == [BUILD]

    # A test is not part of the build.
    (project / "frontend" / "src" / "main.test.tsx").write_text("// another test\n")
    assert build(project)[1] == [BUILD]


@pytest.mark.parametrize(
    "change",
    ["source", "new file", "lockfile", "config", "setting", "no build"],
)
def test_a_change_to_what_the_page_is_made_of_builds_it_again(project: Path, change: str) -> None:
    build(project)
    frontend = project / "frontend"
    if change == "source":
        (frontend / "src" / "main.tsx").write_text("export const page = 2;\n")
    elif change == "new file":
        (frontend / "src" / "more.ts").write_text("export {};\n")
    elif change == "lockfile":
        (frontend / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
        # Installed again from it, as npm ci would.
        later = (frontend / "package-lock.json").stat().st_mtime + 10
        os.utime(frontend / "node_modules" / ".package-lock.json", (later, later))
    elif change == "config":
        (frontend / "tsconfig.json").write_text('{"compilerOptions": {}}\n')
    elif change == "setting":
        (project / ".env").write_text('VITE_PROJECT_NAME="Two"\n')
    else:
        (frontend / "dist" / "index.html").unlink()
    said, npm = build(project)
    assert "Building the frontend" in said
    assert npm.count(BUILD) == 2
