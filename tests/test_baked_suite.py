"""The baked project's own test suite passes, on each database, with the websocket session layer in.

The baked suite starts its own uvicorn server; on PostgreSQL it creates and drops a database of its own
on the server at 127.0.0.1:5432 (.ci/run starts it when it is not running).
"""

from __future__ import annotations

import pytest

from tests.baking import pytest_summary, run_script
from tests.combinations import choice_options, is_supported
from tests.conftest import Bake

SUITE_TIMEOUT = 1200
NOT_ALLOWED = ("failed", "error", "skipped", "xfailed", "xpassed")

DATABASES = choice_options()["database"]


@pytest.mark.slow
@pytest.mark.parametrize("database", DATABASES)
def test_baked_suite_passes(bake: Bake, script_env: dict[str, str], database: str) -> None:
    answers = {"database": database, "use_websockets": "yes"}
    assert is_supported(answers)
    result = bake(answers)
    assert result.project_path is not None, repr(result.exception)

    suite = run_script(result.project_path, "test.sh", script_env, timeout=SUITE_TIMEOUT)

    summary, counts = pytest_summary(suite.stdout)
    print(suite.stdout)
    assert suite.returncode == 0, f"scripts/test.sh exited {suite.returncode}: {summary}"
    assert counts.get("passed", 0) > 0, f"no test passed: {summary}"
    unwelcome = {kind: counts[kind] for kind in NOT_ALLOWED if counts.get(kind)}
    assert not unwelcome, f"the baked suite must pass whole: {summary}"
