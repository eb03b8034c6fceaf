"""Every supported combination bakes; nothing of the template is left; .env is right; lint passes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.baking import (
    COOKIECUTTER_JINJA,
    GENERATED_SETTING,
    LEFTOVER_SYNTAX,
    TEMPLATE_DIR_NAME,
    TEMPLATE_MARKERS,
    cookiecutter_settings,
    copied_without_render,
    project_paths,
    run_script,
    text_files,
)
from tests.combinations import (
    EACH_VALUE,
    NON_CODE_OPTIONS,
    SUPPORTED,
    SUPPORTED_CODE,
    Combination,
    choice_options,
    code_answers,
    combination_id,
)
from tests.conftest import Bake, BakedProjects
from tests.template_hooks import post_gen_project

combinations = pytest.mark.parametrize("combination", SUPPORTED, ids=combination_id)

LINT_TIMEOUT = 900


def env_values(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@pytest.mark.parametrize("combination", EACH_VALUE, ids=combination_id)
def test_bake_succeeds(bake: Bake, combination: Combination) -> None:
    """pytest-cookies' bake, as a maintainer runs it, with every answer (every combination bakes in
    the tests that read BakedProjects)."""
    result = bake(combination)

    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0
    assert result.context is not None
    assert result.project_path is not None
    assert result.project_path.is_dir()
    assert result.project_path.name == result.context["project_slug"]
    for name, value in combination.items():
        assert result.context[name] == value
    for expected in ("backend/pyproject.toml", "scripts/run.sh", "scripts/test.sh", "scripts/lint.sh", ".env"):
        assert (result.project_path / expected).is_file(), f"{expected} missing"
    for script in ("run.sh", "test.sh", "lint.sh"):
        mode = (result.project_path / "scripts" / script).stat().st_mode
        assert mode & 0o100, f"scripts/{script} must be executable, as the guides run it"


@combinations
def test_no_template_syntax_left(baked_projects: BakedProjects, template_dir: Path, combination: Combination) -> None:
    project = baked_projects.get(combination)
    verbatim_patterns = cookiecutter_settings(template_dir).get("_copy_without_render", [])
    source_root = template_dir / TEMPLATE_DIR_NAME

    leftovers: list[str] = []
    scanned = 0
    for file in text_files(project):
        scanned += 1
        if copied_without_render(file.relative, verbatim_patterns):
            # Copied as is: its braces are the file's own (JSX, JSON), but it must be the source unchanged
            # and must not expect rendering.
            source = source_root / post_gen_project.variant_source(file.relative.as_posix(), combination)
            assert source.is_file(), f"{file.relative} is not in the template"
            assert file.path.read_bytes() == source.read_bytes(), f"{file.relative} differs from the template"
            leftovers += file.lines_matching(COOKIECUTTER_JINJA)
            continue
        leftovers += file.lines_matching(LEFTOVER_SYNTAX)

    assert scanned > 10, f"only {scanned} text files baked"
    assert not leftovers, "template syntax left in the baked project:\n" + "\n".join(leftovers)


@combinations
def test_file_names_rendered(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    unrendered = [
        str(relative)
        for path, relative in project_paths(project)
        if any(marker in path.name for marker in TEMPLATE_MARKERS)
    ]
    assert not unrendered


@combinations
def test_env_has_every_setting_is_private_and_ignored(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    env_file = project / ".env"
    assert env_file.is_file()
    assert "__generate__" not in env_file.read_text(encoding="utf-8")
    assert env_file.stat().st_mode & 0o077 == 0, "the .env holding secrets is readable by others"

    example = (project / ".env.example").read_text(encoding="utf-8")
    generated = GENERATED_SETTING.findall(example)
    assert {"SECRET_KEY", "FIRST_SUPERUSER_PASSWORD"} <= set(generated)
    mine, template = env_values(env_file), env_values(project / ".env.example")
    assert set(mine) == set(template), "the .env must have exactly the settings of .env.example"
    for name in template:
        if name in generated:
            assert len(mine[name]) >= 32, f"{name} is too short to be a secret"
        else:
            assert mine[name] == template[name], f"{name} differs from .env.example"

    subprocess.run(["git", "init", "--quiet", str(project)], check=True)
    ignored = subprocess.run(["git", "check-ignore", "--quiet", ".env"], cwd=project, check=False)
    assert ignored.returncode == 0, ".env is not ignored by the baked .gitignore"
    kept = subprocess.run(["git", "check-ignore", "--quiet", ".env.example"], cwd=project, check=False)
    assert kept.returncode == 1, ".env.example must be committed, but the baked .gitignore ignores it"


@pytest.mark.parametrize("combination", EACH_VALUE, ids=combination_id)
def test_each_bake_has_secrets_of_its_own(baked_projects: BakedProjects, bake: Bake, combination: Combination) -> None:
    again = bake(combination)
    assert again.project_path is not None, repr(again.exception)
    project = baked_projects.get(combination)
    generated = GENERATED_SETTING.findall((project / ".env.example").read_text(encoding="utf-8"))
    mine, theirs = env_values(project / ".env"), env_values(again.project_path / ".env")
    for name in generated:
        assert mine[name] != theirs[name], f"{name} is the same in two bakes"


def test_every_choice_is_baked() -> None:
    for option, values in choice_options().items():
        for value in values:
            assert any(combination[option] == value for combination in SUPPORTED), f"{option}={value} is never baked"
            if option not in NON_CODE_OPTIONS:
                assert any(combination[option] == value for combination in SUPPORTED_CODE), (
                    f"{option}={value} is never linted"
                )


def test_code_combinations_are_the_supported_code_answers() -> None:
    """Linting runs once per distinct set of code answers: none is missed, none is repeated."""
    linted = [combination_id(code_answers(combination)) for combination in SUPPORTED_CODE]
    assert len(linted) == len(set(linted))
    assert set(linted) == {combination_id(code_answers(combination)) for combination in SUPPORTED}
    assert all(combination in SUPPORTED for combination in SUPPORTED_CODE)


@pytest.mark.slow
@pytest.mark.parametrize("combination", SUPPORTED_CODE, ids=combination_id)
def test_baked_lint_passes(bake: Bake, script_env: dict[str, str], combination: Combination) -> None:
    result = bake(combination)
    assert result.project_path is not None, repr(result.exception)

    lint = run_script(result.project_path, "lint.sh", script_env, timeout=LINT_TIMEOUT)

    assert lint.returncode == 0, f"scripts/lint.sh failed ({lint.returncode}):\n{lint.stdout}"
    assert "Success: no issues found" in lint.stdout, lint.stdout
