"""The migrations build exactly the tables the models describe."""

import subprocess
import sys

from tests.conftest import BACKEND_DIR


def test_the_migrated_database_matches_the_models(database: None) -> None:
    # `alembic check` compares the migrated database with the models, as autogenerate would.
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"models and migrations differ:\n{result.stdout}{result.stderr}"
