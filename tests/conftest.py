"""Fixtures: bake from a clean copy of the template, as a clone would have it, never from the work tree."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
import pytest
from cookiecutter.main import cookiecutter
from filelock import FileLock

from tests.baking import (
    REPO_ROOT,
    BakeResult,
    Cookies,
    baked_script_env,
    copy_clean_template,
    find_uv,
    run_bounded,
)
from tests.combinations import combination_id

Bake = Callable[[Mapping[str, str]], BakeResult]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Start the long tests (baked projects' own scripts) first, so the xdist workers finish together:
    # with --maxschedchunk=1 (pyproject.toml) each worker takes the next test when it has room.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def jinja_compiles_each_file_once() -> Iterator[None]:
    """Every bake renders the same few hundred files, and compiling them was two thirds of a bake's time:
    each xdist worker compiles a source once, for every bake. cookiecutter makes a new Jinja environment
    per bake, with the same settings, and what Jinja compiles depends on the source and those settings."""
    compile_source: Callable[..., Any] = jinja2.Environment.compile
    compiled: dict[tuple[object, ...], Any] = {}

    def compile_once(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):
            return compile_source(self, source, name, filename, raw, defer_init)
        settings = (type(self), tuple(sorted(self.extensions)), self.keep_trailing_newline, self.autoescape)
        key = (*settings, source, name, filename, raw, defer_init)
        if key not in compiled:
            compiled[key] = compile_source(self, source, name, filename, raw, defer_init)
        return compiled[key]

    jinja2.Environment.compile = compile_once  # type: ignore[method-assign]
    yield
    jinja2.Environment.compile = compile_source  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as a fresh clone would have it: tracked and not-ignored files only."""
    return copy_clean_template(REPO_ROOT, tmp_path_factory.mktemp("template"))


@pytest.fixture
def bake(cookies: Cookies, template_dir: Path) -> Bake:
    """Bake with these answers (the rest default) into this test's own output folder."""

    def run(answers: Mapping[str, str]) -> BakeResult:
        return cookies.bake(extra_context=dict(answers), template=str(template_dir))

    return run


class BakedProjects:
    """One bake per set of answers for the whole run, shared by the tests that only read the result
    and by the xdist workers (the first to need a bake makes it, under a lock; the other waits)."""

    def __init__(self, template: Path, shared: Path, config_file: Path) -> None:
        self._template = template
        self._shared = shared
        self._config_file = config_file
        self._projects: dict[str, Path] = {}

    def get(self, answers: Mapping[str, str]) -> Path:
        key = combination_id(answers)
        if key not in self._projects:
            folder = self._shared / hashlib.sha256(key.encode()).hexdigest()[:16]
            with FileLock(f"{folder}.lock"):
                made = folder / "made"
                if not made.exists():
                    shutil.rmtree(folder, ignore_errors=True)  # a bake that failed half-way
                    project = cookiecutter(
                        str(self._template),
                        no_input=True,
                        extra_context=dict(answers),
                        output_dir=str(folder / "out"),
                        config_file=str(self._config_file),
                    )
                    made.write_text(project)
                self._projects[key] = Path(made.read_text())
        return self._projects[key]


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every xdist worker sees."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    return base


@pytest.fixture(scope="session")
def baked_projects(template_dir: Path, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> BakedProjects:
    """Read-only baked projects: a test that runs a project's scripts bakes its own with `bake`."""
    folder = shared_dir / "baked-projects"
    folder.mkdir(exist_ok=True)
    # cookiecutter's own folders for this worker, never the user's ~/.cookiecutters.
    user = tmp_path_factory.mktemp("cookiecutter-user")
    config = user / "config.yaml"
    config.write_text(f"cookiecutters_dir: {user / 'templates'}\nreplay_dir: {user / 'replay'}\n")
    return BakedProjects(template_dir, folder, config)


@pytest.fixture(scope="session")
def script_env(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> dict[str, str]:
    """Environment for running baked projects' scripts, with the uv running these tests on PATH.

    The baked scripts use `uv` from PATH when there is one; else each bake would install its own.
    """
    uv = find_uv()
    uv_dir: Path | None = None
    if uv is not None:
        uv_dir = tmp_path_factory.mktemp("uv-bin")
        (uv_dir / "uv").symlink_to(uv)
    env = baked_script_env(uv_dir)
    # One mypy cache for every bake an xdist worker lints: most modules (the libraries, and most of
    # the app) are the same in every combination, and mypy rechecks whatever differs in content or
    # options. It turns each lint's 25 s of a cold mypy into a few seconds. One per worker: two
    # mypy runs writing one cache at once can leave one reading another bake's module.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    env["MYPY_CACHE_DIR"] = str(shared_dir / f"mypy-cache-{worker}")
    return env


@pytest.fixture(scope="session")
def node_modules(template_dir: Path, shared_dir: Path, script_env: dict[str, str]) -> Path:
    """The page's dependencies, installed once from its lockfile for the whole run (the first xdist
    worker to need them installs them, under a lock; the other waits)."""
    folder = shared_dir / "frontend-deps"
    with FileLock(f"{folder}.lock"):
        done = folder / "installed"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # an install that failed half-way
            folder.mkdir()
            for name in ("package.json", "package-lock.json"):
                shutil.copy2(template_dir / "{{cookiecutter.project_slug}}" / "frontend" / name, folder / name)
            installed = run_bounded(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=folder,
                env=script_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=600,
            )
            assert installed.returncode == 0, installed.stdout
            done.touch()
    return folder / "node_modules"
