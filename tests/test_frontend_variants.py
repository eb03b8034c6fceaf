"""The React page without the sign-in methods an answer takes out still type-checks and passes its unit
tests.

The page is copied without rendering, so each optional sign-in method lives in a folder of its own
under `frontend/src/features/`, found by a glob import, which the post-gen hook deletes. The default
bake's whole suite runs in test_baked_suite (every method in); here the page runs its checks with every
method out. The answers between (one method out) keep the other method's folder as it is in the
default bake: what could break them is an import across feature folders, or from shared code into one,
which a static check of the template's sources refuses.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from pathlib import Path

import pytest

from tests.baking import REPO_ROOT, TEMPLATE_DIR_NAME, run_bounded
from tests.combinations import SUPPORTED, Combination, combination_id, default_combination
from tests.conftest import Bake

# Not the lint: ESLint reads each file with the types it imports, and a variant only deletes folders, so
# every file it keeps is linted as in the default bake's suite, unless it imports from a deleted folder,
# which the type check refuses.
CHECKS = (["npm", "run", "--silent", "typecheck"], ["npm", "test", "--silent"])


FRONTEND_SRC = REPO_ROOT / TEMPLATE_DIR_NAME / "frontend" / "src"
FEATURES = "features"
# What a module imports: `import ... from "x"`, `export ... from "x"`, `import "x"`, `import("x")`.
IMPORTED = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']""")


def variants() -> list[Combination]:
    """The React bake with every sign-in method out, on the defaults otherwise."""
    default = default_combination()
    return [
        combination
        for combination in SUPPORTED
        if combination["frontend"] == "react"
        and all(combination[option] == "no" for option in default if option.startswith("auth_"))
        and all(combination[option] == default[option] for option in default if not option.startswith("auth_"))
    ]


def test_variants_cover_every_sign_in_answer() -> None:
    for option in ("auth_magic_link", "auth_totp"):
        assert any(variant[option] == "no" for variant in variants()), option


def feature_of(path: str) -> str | None:
    """The feature folder a path (relative to src/) lies in, if any."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == FEATURES else None


def imports_into_features(source: Path) -> list[tuple[str, str, str]]:
    """(module, import, folder imported from) for each import that crosses into a feature folder
    other than the module's own: none may."""
    crossing = []
    for path in sorted(source.rglob("*.ts*")):
        module = path.relative_to(source).as_posix()
        for specifier in IMPORTED.findall(path.read_text(encoding="utf-8")):
            if not specifier.startswith("."):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(module), specifier))
            into = feature_of(target)
            if into is not None and into != feature_of(module):
                crossing.append((module, specifier, into))
    return crossing


def test_no_module_imports_from_another_modules_feature_folder() -> None:
    assert (FRONTEND_SRC / FEATURES / "registry.ts").is_file()
    assert imports_into_features(FRONTEND_SRC) == []


def test_the_import_check_sees_an_import_across_features(tmp_path: Path) -> None:
    for module, text in {
        "features/a/index.ts": 'import { b } from "../b/thing";\nexport { x } from "./own";',
        "features/b/thing.ts": 'import "../../api/core";',
        "pages/Page.tsx": 'const lazy = import("../features/a/index");',
        "App.tsx": 'import { registeredFeatures } from "./features/registry";',
    }.items():
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / module).write_text(text)
    assert imports_into_features(tmp_path) == [
        ("features/a/index.ts", "../b/thing", "b"),
        ("pages/Page.tsx", "../features/a/index", "a"),
    ]


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
