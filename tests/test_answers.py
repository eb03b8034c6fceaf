"""Answers the pre-gen hook refuses, with a message naming the field and what to type, and unusual ones it takes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.baking import (
    LEFTOVER_SYNTAX,
    bake_output_leftovers,
    cookiecutter_settings,
    copied_without_render,
    run_script,
    text_files,
)
from tests.conftest import Bake

# (answers, field named in the message, the value the message suggests for it)
REFUSED = [
    pytest.param({"project_slug": "my-app"}, "project_slug", "my_app", id="slug-dash"),
    pytest.param({"project_slug": "my app"}, "project_slug", "my_app", id="slug-space"),
    pytest.param({"project_slug": "MyApp"}, "project_slug", "myapp", id="slug-uppercase"),
    pytest.param({"project_slug": "2fast"}, "project_slug", "app_2fast", id="slug-leading-digit"),
    pytest.param({"project_slug": "class"}, "project_slug", "class_project", id="slug-keyword"),
    pytest.param({"project_slug": "import"}, "project_slug", "import_project", id="slug-keyword-import"),
    pytest.param({"project_slug": "app"}, "project_slug", "app_project", id="slug-app"),
    pytest.param({"project_slug": "tests"}, "project_slug", "tests_project", id="slug-tests"),
    pytest.param({"project_name": "2048 Game"}, "project_slug", "app_2048_game", id="slug-from-project-name"),
    pytest.param(
        {"project_name": 'The "Best" App', "project_slug": "best_app"},
        "project_name",
        "The 'Best' App",
        id="name-double-quote",
    ),
    pytest.param(
        {"description": "One line\nand another"}, "description", "One line and another", id="description-newline"
    ),
    pytest.param({"author_name": "Jane \\ Doe"}, "author_name", "Jane / Doe", id="author-backslash"),
    pytest.param({"author_email": "jane.example.com"}, "author_email", "admin@example.com", id="author-email-no-at"),
    pytest.param({"author_email": "jane@example"}, "author_email", "admin@example.com", id="author-email-no-dot"),
    pytest.param(
        {"author_email": "jane doe@example.com"}, "author_email", "admin@example.com", id="author-email-space"
    ),
    pytest.param({"author_email": ""}, "author_email", "admin@example.com", id="author-email-empty"),
    pytest.param(
        {"first_superuser_email": "admin"}, "first_superuser_email", "admin@example.com", id="superuser-email-bare"
    ),
    pytest.param(
        {"first_superuser_email": "admin@localhost"},
        "first_superuser_email",
        "admin@example.com",
        id="superuser-email-no-dot",
    ),
    pytest.param({"domain": "https://example.org"}, "domain", "example.org", id="domain-scheme"),
    pytest.param({"domain": "example.org/app"}, "domain", "example.org", id="domain-path"),
    pytest.param({"domain": "Example.ORG"}, "domain", "example.org", id="domain-uppercase"),
    pytest.param({"domain": "localhost"}, "domain", "example.com", id="domain-no-dot"),
    pytest.param({"domain": "example.org:8443"}, "domain", "example.org", id="domain-port"),
]


@pytest.mark.parametrize(("answers", "field", "suggestion"), REFUSED)
def test_refused_with_field_and_suggestion(
    bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str], answers: dict[str, str], field: str, suggestion: str
) -> None:
    result = bake(answers)

    assert isinstance(result.exception, FailedHookException), repr(result.exception)
    assert result.exit_code != 0
    assert result.project_path is None
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    ours = [line for line in errors if line.startswith(f"ERROR: {field} ")]
    assert ours, f"no message about {field} in {errors}"
    assert any(f"{field}={suggestion!r}" in line for line in ours), ours
    # pytest-cookies bakes into <this test's tmp_path>/cookies/bakeNN: nothing may be left there.
    assert bake_output_leftovers(tmp_path / "cookies") == []


def test_every_problem_reported_at_once(bake: Bake, capfd: pytest.CaptureFixture[str]) -> None:
    result = bake({"project_slug": "My-App", "author_email": "nobody", "domain": "http://Example.com/"})

    assert isinstance(result.exception, FailedHookException)
    err = capfd.readouterr().err
    for field in ("project_slug", "author_email", "domain", "first_superuser_email"):
        assert f"ERROR: {field} " in err, err


def test_react_frontend_needs_the_socket_layer(bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = bake({"frontend": "react", "use_websockets": "no"})

    assert isinstance(result.exception, FailedHookException), repr(result.exception)
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, errors
    assert errors[0].startswith("ERROR: frontend='react' ")
    assert "frontend='none'" in errors[0], "the message must say what to pick instead"
    assert bake_output_leftovers(tmp_path / "cookies") == []


ACCEPTED = [
    pytest.param(
        {"project_name": "Zoë's Chat: Realtime & More (v2)!", "project_slug": "zoes_chat"}, id="punctuated-name"
    ),
    pytest.param(
        {
            "project_name": "Ops",
            "project_slug": "ops2",
            "domain": "api.sub-domain.example.co.uk",
            "author_email": "jane.doe+dev@mail.example.org",
            "first_superuser_email": "root@ops.example.net",
            "author_name": "Jean-Luc O'Neill",
            "description": "Tracks things; fast & small: 100% async.",
        },
        id="unusual-emails-and-domain",
    ),
]


@pytest.mark.parametrize("answers", ACCEPTED)
def test_unusual_answers_bake(bake: Bake, answers: dict[str, str]) -> None:
    result = bake(answers)

    assert result.exception is None, repr(result.exception)
    project = result.project_path
    assert project is not None
    assert project.name == answers["project_slug"]
    pyproject = tomllib.loads((project / "backend" / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == answers["project_slug"]
    for name in ("description", "author_name"):
        if name in answers:
            assert answers[name] in (project / "backend" / "pyproject.toml").read_text(encoding="utf-8")
    verbatim = cookiecutter_settings().get("_copy_without_render", [])
    leftovers: list[str] = []
    for file in text_files(project):
        if file.relative.suffix == ".py" and file.relative.parts[0] == "backend":
            compile(file.text, str(file.relative), "exec")
        # A file copied as it is keeps its own braces (JSX, workflow expressions).
        if not copied_without_render(file.relative, verbatim):
            leftovers += file.lines_matching(LEFTOVER_SYNTAX)
    assert not leftovers
    env = (project / ".env").read_text(encoding="utf-8")
    assert f'PROJECT_NAME="{answers["project_name"]}"' in env


@pytest.mark.slow
def test_punctuated_name_passes_lint(bake: Bake, script_env: dict[str, str]) -> None:
    result = bake({"project_name": "Zoë's Chat: Realtime & More (v2)!", "project_slug": "zoes_chat"})
    assert result.project_path is not None, repr(result.exception)

    lint = run_script(result.project_path, "lint.sh", script_env, timeout=900)

    assert lint.returncode == 0, f"scripts/lint.sh failed ({lint.returncode}):\n{lint.stdout}"
