"""A baked project takes the template's later commits with cruft.

A bake from a git checkout of the template records it in .cruft.json, in the format `cruft create`
writes; `cruft check` and `cruft diff` work in the project at once, and `cruft update` brings a later
commit of the template in over the project's own changes, never touching what the bake generated for
the project alone (.env). The template here is a git repository made in a temporary folder from the
work tree's files (as a clone would have them), so the "later commit" is one the test makes: no
network, and the same result whatever this repository's history holds. cruft is the locked one of
the template's tooling (pyproject.toml), run the way a user runs it, as a command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

from tests.baking import REPO_ROOT, TEMPLATE_DIR_NAME, copy_clean_template, run_bounded, run_script
from tests.docs_runner import code_blocks
from tests.template_hooks import load_bake_script
from tests.template_hooks import post_gen_project as post

CRUFT = Path(sys.executable).parent / "cruft"
GUIDE = REPO_ROOT / "docs" / "development-guide.md"
# Every answer the test gives; the rest are the defaults. No React page: the project's own test
# script then runs pytest alone (no npm build), which keeps this test's time to its point.
ANSWERS = {"project_name": "Later Shop", "frontend": "none"}
SCRIPT_TIMEOUT = 900

# The template's later commit: a function added at the end of a module, a test of it, a setting's
# comment in .env.example, and a new first line of the README (which the project changes too).
PASSWORDS = "backend/app/core/passwords.py"
LATER_FUNCTION = '''

def is_long_enough(password: str) -> bool:
    """Whether `password` has the length a new password needs."""
    return len(password) >= MIN_LENGTH
'''
LATER_TEST = "backend/tests/test_password_length.py"
LATER_TEST_TEXT = """from app.core.passwords import MIN_LENGTH, is_long_enough


def test_a_password_of_the_minimum_length_is_long_enough() -> None:
    assert is_long_enough("x" * MIN_LENGTH)
    assert not is_long_enough("x" * (MIN_LENGTH - 1))
"""
LATER_SETTING = "# A setting of the template's later commit would come here.\n"
LATER_TITLE = "# {{ cookiecutter.project_name }}, as the template has it now"
# The project's own changes: a stricter password length (far from the end of the module), a title.
OWN_LENGTH = ("MIN_LENGTH = 12\n", "MIN_LENGTH = 16\n")
OWN_TITLE = "# Later Shop, as we call it"


def git_env(home: Path) -> dict[str, str]:
    """No user's or machine's git settings (a signing key, another default branch), a fixed author."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GIT_") and name not in {"VIRTUAL_ENV", "COOKIECUTTER_CONFIG"}
    }
    config = home / "cookiecutter.yaml"
    if not config.exists():
        config.write_text(f"cookiecutters_dir: {home / 'templates'}\nreplay_dir: {home / 'replay'}\n")
    return env | {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Template Tests",
        "GIT_AUTHOR_EMAIL": "tests@example.com",
        "GIT_COMMITTER_NAME": "Template Tests",
        "GIT_COMMITTER_EMAIL": "tests@example.com",
        # cruft reads the user's cookiecutter settings (default answers); these tests' own instead.
        "COOKIECUTTER_CONFIG": str(config),
    }


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    found = git_env(tmp_path)
    # The bake runs in this process, its hook as a child: both see the same settings.
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "COOKIECUTTER_CONFIG"):
        monkeypatch.setenv(name, found[name])
    return found


def git(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout.strip()


def cruft(project: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A cruft command in the project, its output and errors together."""
    return subprocess.run(
        [str(CRUFT), *args],
        cwd=project,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=300,
    )


def template_repository(folder: Path, env: Mapping[str, str]) -> Path:
    """The template as a clone would have it, in a git repository of one commit."""
    copy_clean_template(REPO_ROOT, folder)
    git(folder, env, "init", "-q", "-b", "main")
    git(folder, env, "add", "-A")
    git(folder, env, "commit", "-q", "-m", "The template")
    return folder


def commit_later_change(template: Path, env: Mapping[str, str]) -> str:
    """Commit the template's later change; return the commit."""
    baked = template / TEMPLATE_DIR_NAME
    with (baked / PASSWORDS).open("a", encoding="utf-8") as module:
        module.write(LATER_FUNCTION)
    (baked / LATER_TEST).write_text(LATER_TEST_TEXT, encoding="utf-8")
    with (baked / ".env.example").open("a", encoding="utf-8") as example:
        example.write(LATER_SETTING)
    readme = (baked / "README.md").read_text(encoding="utf-8").split("\n", 1)
    (baked / "README.md").write_text(f"{LATER_TITLE}\n{readme[1]}", encoding="utf-8")
    git(template, env, "add", "-A")
    git(template, env, "commit", "-q", "-m", "A later improvement")
    return git(template, env, "rev-parse", "HEAD")


def bake(template: Path, output: Path, env: Mapping[str, str], answers: Mapping[str, str]) -> Path:
    """A bake with plain cookiecutter, its hook writing .cruft.json."""
    return Path(
        cookiecutter(
            str(template),
            no_input=True,
            extra_context=dict(answers),
            output_dir=str(output),
            config_file=env["COOKIECUTTER_CONFIG"],
        )
    )


def make_own_changes(project: Path) -> None:
    old, new = OWN_LENGTH
    module = (project / PASSWORDS).read_text(encoding="utf-8")
    assert module.count(old) == 1, f"{PASSWORDS} no longer has {old!r}: change the test's own change"
    (project / PASSWORDS).write_text(module.replace(old, new), encoding="utf-8")
    readme = (project / "README.md").read_text(encoding="utf-8").split("\n", 1)
    (project / "README.md").write_text(f"{OWN_TITLE}\n{readme[1]}", encoding="utf-8")


def guide_lines(start: str) -> list[str]:
    """The lines of the guide's ```text block that begins with `start`: what cruft prints, as shown."""
    [block] = [
        block for block in code_blocks(GUIDE.read_text()) if block.lang == "text" and block.body.startswith(start)
    ]
    return block.body.splitlines()


def cruft_state(project: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    return state


# --- The record ---------------------------------------------------------------------------------------


def test_a_bake_records_its_template_as_cruft_create_does(tmp_path: Path, env: dict[str, str]) -> None:
    template = template_repository(tmp_path / "template", env)
    commit = git(template, env, "rev-parse", "HEAD")
    project = bake(template, tmp_path / "baked", env, {})
    created = cruft(tmp_path, env, "create", "--no-input", "--output-dir", str(tmp_path / "created"), str(template))
    assert created.returncode == 0, created.stdout

    state = cruft_state(project)
    by_cruft = cruft_state(tmp_path / "created" / project.name)

    assert state == by_cruft | {"skip": [".env"]}
    assert state["template"] == str(template)
    assert state["commit"] == state["context"]["cookiecutter"]["_commit"] == commit
    assert (project / ".cruft.json").read_text(encoding="utf-8") == post.cruft_json(state), "not cruft's layout"
    # cruft's own renders (create, and both of an update) get no secrets: .env is the project's.
    assert (project / ".env").is_file()
    assert not (tmp_path / "created" / project.name / ".env").exists()

    checked = cruft(project, env, "check")
    assert checked.returncode == 0, checked.stdout
    assert "up to date" in checked.stdout
    # The template rendered again with the recorded answers is the project: nothing a bake
    # generates for itself, outside `skip`, shows as a difference.
    diff = cruft(project, env, "diff", "--exit-code")
    assert diff.returncode == 0, diff.stdout
    assert diff.stdout == ""


def test_the_bake_script_records_this_checkout_not_its_copy(tmp_path: Path) -> None:
    copy = copy_clean_template(REPO_ROOT, tmp_path / "copy")

    status = load_bake_script().main(["--no-input", "--template", str(copy), "--output-dir", str(tmp_path)])

    assert status == 0
    state = cruft_state(tmp_path / "my_realtime_app")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert state["template"] == top.stdout.strip()
    assert state["commit"] == head.stdout.strip()
    assert state["skip"] == [".env"]
    assert state["context"]["cookiecutter"]["project_slug"] == "my_realtime_app"


# --- Updates --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_update_takes_the_later_commit_and_keeps_the_projects_changes(
    tmp_path: Path, env: dict[str, str], script_env: dict[str, str]
) -> None:
    template = template_repository(tmp_path / "template", env)
    project = bake(template, tmp_path / "baked", env, ANSWERS)
    git(project, env, "init", "-q", "-b", "main")
    git(project, env, "add", "-A")
    git(project, env, "commit", "-q", "-m", "Baked")
    secrets = (project / ".env").read_bytes()
    make_own_changes(project)
    git(project, env, "commit", "-q", "-a", "-m", "Our own changes")
    later = commit_later_change(template, env)

    checked = cruft(project, env, "check")
    assert checked.returncode == 1, checked.stdout
    assert "out of date" in checked.stdout

    updated = cruft(project, env, "update", "--skip-apply-ask")

    assert updated.returncode == 0, updated.stdout
    output = updated.stdout.splitlines()
    missing = [line for line in guide_lines("Applied patch to") if line not in output]
    assert not missing, f"the development guide shows lines cruft did not print: {missing}\n{updated.stdout}"
    module = (project / PASSWORDS).read_text(encoding="utf-8")
    assert OWN_LENGTH[1] in module, "the project's own change was lost"
    assert module.endswith(LATER_FUNCTION), "the template's change did not arrive"
    assert (project / LATER_TEST).read_text(encoding="utf-8") == LATER_TEST_TEXT
    assert (project / ".env.example").read_text(encoding="utf-8").endswith(LATER_SETTING)
    readme = (project / "README.md").read_text(encoding="utf-8")
    both = f"<<<<<<< ours\n{OWN_TITLE}\n=======\n# Later Shop, as the template has it now\n>>>>>>> theirs\n"
    assert readme.startswith(both), readme[:300]
    assert "UU README.md" in git(project, env, "status", "--porcelain").splitlines()
    assert (project / ".env").read_bytes() == secrets, ".env was changed by the update"
    assert not (project / "frontend").exists(), "cruft rendered other answers than the project's"
    state = cruft_state(project)
    assert state["commit"] == state["context"]["cookiecutter"]["_commit"] == later
    assert state["skip"] == [".env"]
    assert cruft(project, env, "check").returncode == 0

    # The project, merged, still passes its lint, and the test the template's commit brought passes
    # against the merged module: pytest on that file alone, in the environment lint.sh synced (the
    # whole suite is tests/test_baked_suite.py's).
    lint = run_script(project, "lint.sh", script_env, timeout=SCRIPT_TIMEOUT)
    assert lint.returncode == 0, f"scripts/lint.sh failed after the update:\n{lint.stdout}"
    python = project / "backend" / ".venv" / "bin" / "python"
    tested = run_bounded(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", LATER_TEST.removeprefix("backend/")],
        cwd=project / "backend",
        env=script_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=SCRIPT_TIMEOUT,
    )
    assert tested.returncode == 0, f"the template's new test failed after the update:\n{tested.stdout}"
    assert re.search(r"\b1 passed\b", tested.stdout), tested.stdout


def test_update_outside_git_leaves_what_does_not_apply_in_rej_files(tmp_path: Path, env: dict[str, str]) -> None:
    template = template_repository(tmp_path / "template", env)
    project = bake(template, tmp_path / "baked", env, ANSWERS)
    secrets = (project / ".env").read_bytes()
    make_own_changes(project)
    commit_later_change(template, env)

    updated = cruft(project, env, "update", "--skip-apply-ask")

    assert updated.returncode == 0, updated.stdout
    [hint] = guide_lines("Project directory may have *.rej files")
    assert hint in updated.stdout.splitlines(), updated.stdout
    assert (project / "README.md").read_text(encoding="utf-8").startswith(f"{OWN_TITLE}\n")
    rejected = (project / "README.md.rej").read_text(encoding="utf-8")
    assert "+# Later Shop, as the template has it now" in rejected
    module = (project / PASSWORDS).read_text(encoding="utf-8")
    assert OWN_LENGTH[1] in module
    assert module.endswith(LATER_FUNCTION)
    assert (project / ".env").read_bytes() == secrets


# --- The hook's part ------------------------------------------------------------------------------


def test_under_cruft_the_hook_writes_neither_secrets_nor_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cruft writes .cruft.json itself, and its renders are compared, not used: no .env either."""
    (tmp_path / ".env.example").write_text("SECRET_KEY=__generate__\n")
    answers = {"_template": str(tmp_path), "_commit": "0" * 40, "_repo_dir": str(tmp_path)}
    monkeypatch.setattr(post, "RENDERED_CONTEXT", json.dumps(answers))
    monkeypatch.chdir(tmp_path)

    assert post.main() == 0

    assert not (tmp_path / ".env").exists()
    assert not (tmp_path / ".cruft.json").exists()


def test_a_template_cookiecutter_cloned_is_recorded_by_its_url(tmp_path: Path, env: dict[str, str]) -> None:
    upstream = tmp_path / "upstream"
    (upstream / "templates" / "web").mkdir(parents=True)
    (upstream / "templates" / "web" / "cookiecutter.json").write_text('{"name": "x", "__prompts__": {}, "_k": [1]}')
    git(upstream, env, "init", "-q", "-b", "main")
    git(upstream, env, "add", "-A")
    git(upstream, env, "commit", "-q", "-m", "One")
    clone = tmp_path / "cookiecutters" / "upstream"
    git(tmp_path, env, "clone", "-q", str(upstream), str(clone))
    project = tmp_path / "project"
    project.mkdir()
    context = {
        "name": "y",
        "_k": [1],
        "_template": "gh:someone/upstream",
        "_repo_dir": str(clone / "templates" / "web"),
        "_output_dir": str(tmp_path),
        "_checkout": "main",
    }

    assert post.write_cruft_state(project, context)

    commit = git(clone, env, "rev-parse", "HEAD")
    assert cruft_state(project) == {
        "template": str(upstream),
        "commit": commit,
        "checkout": "main",
        "context": {"cookiecutter": {"name": "y", "_k": [1], "_template": str(upstream), "_commit": commit}},
        "directory": "templates/web",
        "skip": [".env"],
    }


def test_a_template_given_by_a_relative_path_is_found_from_the_shells_folder(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template = tmp_path / "template"
    template.mkdir()
    (template / "cookiecutter.json").write_text('{"name": "x"}')
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("PWD", str(tmp_path))
    context = {"name": "x", "_template": "template", "_repo_dir": "template"}

    assert not post.write_cruft_state(project, context), "not a git checkout: nothing for cruft to clone"
    assert not post.write_cruft_state(project, {"_template": "template"})
    assert not (project / ".cruft.json").exists()

    git(template, env, "init", "-q", "-b", "main")
    git(template, env, "add", "-A")
    git(template, env, "commit", "-q", "-m", "One")

    assert post.write_cruft_state(project, context)
    state = cruft_state(project)
    assert (state["template"], state["directory"], state["checkout"]) == (str(template), None, None)


# --- The versions users are told to run -------------------------------------------------------------


def test_the_commands_shown_pin_the_tested_versions() -> None:
    """The README, the guide and the baked CI run cruft and cookiecutter at the versions tested here."""
    dev = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    pins = {name: version for name, _, version in (pin.partition("==") for pin in dev)}
    command = f"uvx --with cookiecutter=={pins['cookiecutter']} cruft=={pins['cruft']}"
    baked = REPO_ROOT / TEMPLATE_DIR_NAME
    texts = {
        "README.md": (baked / "README.md").read_text(encoding="utf-8"),
        "ci.yml": (baked / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"),
        "development-guide.md": GUIDE.read_text(encoding="utf-8"),
    }

    for name, text in texts.items():
        shown = re.findall(r"uvx [^\n]*?cruft==\S+", text)
        assert shown, f"{name} shows no cruft command"
        assert set(shown) == {command}, f"{name}: {set(shown) - {command}}"
