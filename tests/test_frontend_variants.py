"""The React page without the sign-in methods an answer takes out still type-checks and passes its unit
tests.

The page is copied without rendering, so each optional sign-in method lives in a folder of its own
under `frontend/src/features/`, found by a glob import, which the post-gen hook deletes. The default
bake's whole suite runs in test_baked_suite; here the other answers run the page's checks, sharing one
`npm ci`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.baking import run_bounded
from tests.combinations import SUPPORTED, Combination, combination_id, default_combination
from tests.conftest import Bake

# Not the lint: ESLint reads each file with the types it imports, and a variant only deletes folders, so
# every file it keeps is linted as in the default bake's suite, unless it imports from a deleted folder,
# which the type check refuses.
CHECKS = (["npm", "run", "--silent", "typecheck"], ["npm", "test", "--silent"])


def variants() -> list[Combination]:
    """One React bake for each other set of sign-in answers, on the defaults otherwise."""
    default = default_combination()
    wanted = {
        combination_id(combination): combination
        for combination in SUPPORTED
        if combination["frontend"] == "react"
        and combination != default
        and all(combination[option] == default[option] for option in default if not option.startswith("auth_"))
    }
    return list(wanted.values())


def test_variants_cover_every_sign_in_answer() -> None:
    for option in ("auth_magic_link", "auth_totp"):
        assert any(variant[option] == "no" for variant in variants()), option


@pytest.mark.slow
@pytest.mark.parametrize("combination", variants(), ids=combination_id)
def test_the_page_passes_its_checks_without_the_methods_left_out(
    bake: Bake, node_modules: Path, script_env: dict[str, str], combination: Combination
) -> None:
    result = bake(combination)
    assert result.project_path is not None, repr(result.exception)
    frontend = result.project_path / "frontend"
    (frontend / "node_modules").symlink_to(node_modules, target_is_directory=True)
    for check in CHECKS:
        ran = run_bounded(
            check, cwd=frontend, env=script_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600
        )
        assert ran.returncode == 0, f"{' '.join(check)} failed in {combination_id(combination)}:\n{ran.stdout}"
