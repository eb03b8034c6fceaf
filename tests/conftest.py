"""Fixtures: bake from a clean copy of the template, as a clone would have it, never from the work tree."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.baking import (
    REPO_ROOT,
    BakeResult,
    Cookies,
    baked_script_env,
    copy_clean_template,
    find_uv,
)
from tests.combinations import combination_id

Bake = Callable[[Mapping[str, str]], BakeResult]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Start the long tests (baked projects' own scripts) first, so the xdist workers finish together:
    # with --maxschedchunk=1 (pyproject.toml) each worker takes the next test when it has room.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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
    """One bake per set of answers and worker, shared by the tests that only read the result."""

    def __init__(self, cookies: Cookies, template: Path) -> None:
        self._cookies = cookies
        self._template = template
        self._projects: dict[str, Path] = {}

    def get(self, answers: Mapping[str, str]) -> Path:
        key = combination_id(answers)
        if key not in self._projects:
            result = self._cookies.bake(extra_context=dict(answers), template=str(self._template))
            assert result.exception is None, f"baking {key} failed: {result.exception!r}"
            assert result.project_path is not None
            self._projects[key] = result.project_path
        return self._projects[key]


@pytest.fixture(scope="session")
def baked_projects(cookies_session: Cookies, template_dir: Path) -> BakedProjects:
    """Read-only baked projects: a test that runs a project's scripts bakes its own with `bake`."""
    return BakedProjects(cookies_session, template_dir)


@pytest.fixture(scope="session")
def script_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for running baked projects' scripts, with the uv running these tests on PATH.

    The baked scripts use `uv` from PATH when there is one; else each bake would install its own.
    """
    uv = find_uv()
    uv_dir: Path | None = None
    if uv is not None:
        uv_dir = tmp_path_factory.mktemp("uv-bin")
        (uv_dir / "uv").symlink_to(uv)
    env = baked_script_env(uv_dir)
    # One mypy cache for every bake, shared by the xdist workers: most modules (the libraries, and
    # most of the app) are the same in every combination, and mypy rechecks whatever differs in
    # content or options. It turns each lint's 25 s of a cold mypy into a few seconds.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    env["MYPY_CACHE_DIR"] = str(shared / "mypy-cache")
    return env
