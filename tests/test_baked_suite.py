"""The baked project's own test suite passes, on each database and with every other choice at least once.

The baked suite runs the app in its own process and starts uvicorn servers where a test needs one, on pytest-xdist
workers; on PostgreSQL each worker creates and drops a database of its own on the server at 127.0.0.1:5432, and a
Redis-backed choice uses the server at 127.0.0.1:6379 (.ci/run starts both when they are not running).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.baking import REPO_ROOT, link_packages, pytest_summary, run_script
from tests.combinations import NON_CODE_OPTIONS, Combination, choice_options, combination_id, suite_combinations
from tests.conftest import Bake

SUITE_TIMEOUT = 1200
NOT_ALLOWED = ("failed", "error", "skipped", "xfailed", "xpassed")
# The React bake's end-to-end tests save these screenshots (of the session page, and of pages at a
# phone's width); they are kept here.
ARTIFACTS_DIR = REPO_ROOT / "build" / "test-artifacts"
SCREENSHOTS = {
    "session-started",
    "session-saved",
    "session-error",
    "session-reconnecting",
    "session-resumed",
    "login-phone",
    "users-phone",
}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.slow
@pytest.mark.parametrize("combination", suite_combinations(), ids=combination_id)
def test_baked_suite_passes(
    bake: Bake, script_env: dict[str, str], combination: Combination, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    result = bake(combination)
    assert result.project_path is not None, repr(result.exception)
    if combination["frontend"] == "react":
        # The run's one install of the page's packages, linked in: `npm ci` from nothing is what the
        # guides' bakes do (tests/test_docs.py), and here it would only cost the longest test its time.
        link_packages(request.getfixturevalue("node_modules"), result.project_path / "frontend")

    # The suite runs on pytest-xdist, whose output names no test: its JUnit report does.
    report = tmp_path / "report.xml"
    suite = run_script(result.project_path, "test.sh", script_env, f"--junitxml={report}", timeout=SUITE_TIMEOUT)

    print(suite.stdout)  # shown by pytest when the test fails
    screenshots = keep_artifacts(result.project_path, combination)
    summary, counts = pytest_summary(suite.stdout)
    assert suite.returncode == 0, f"scripts/test.sh exited {suite.returncode}: {summary}"
    assert counts.get("passed", 0) > 0, f"no test passed: {summary}"
    unwelcome = {kind: counts[kind] for kind in NOT_ALLOWED if counts.get(kind)}
    assert not unwelcome, f"the baked suite must pass whole: {summary}"
    if combination["frontend"] == "react":
        assert "Installing the frontend's packages" not in suite.stdout, "the linked packages were not taken"
        output = ANSI_ESCAPE.sub("", suite.stdout)
        assert re.search(r"^\s*Tests\s+\d+ passed", output, re.MULTILINE), "the frontend's unit tests did not run"
        assert 'classname="tests.e2e.' in report.read_text(), "the browser tests did not run"
        assert screenshots >= SCREENSHOTS, f"screenshots missing: {sorted(SCREENSHOTS - screenshots)}"


def keep_artifacts(project: Path, combination: Combination) -> set[str]:
    """Copy what the baked tests left in test-artifacts/ to build/test-artifacts/<combination>/."""
    source = project / "test-artifacts"
    if not source.is_dir():
        return set()
    target = ARTIFACTS_DIR / combination_id(combination)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return {path.stem for path in target.glob("*.png")}


def test_suite_combinations_cover_every_choice() -> None:
    combinations = suite_combinations()
    for database in choice_options()["database"]:
        assert any(c["database"] == database and c["use_websockets"] == "yes" for c in combinations)
    # Options that change no code (containers, CI) add files that test_deploy_files checks instead.
    for option, values in choice_options().items():
        if option in NON_CODE_OPTIONS:
            continue
        for value in values:
            assert any(combination[option] == value for combination in combinations), f"{option}={value} never runs"


def test_only_one_suite_builds_the_frontend() -> None:
    assert [c["frontend"] for c in suite_combinations()].count("react") == 1
