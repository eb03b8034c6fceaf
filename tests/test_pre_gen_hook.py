"""hooks/pre_gen_project.py, called directly: each check's accepted and refused answers and its suggestions."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

from tests.baking import REPO_ROOT
from tests.template_hooks import pre_gen_project as pre

Check = Callable[[Mapping[str, str]], str | None]


@pytest.fixture(scope="module")
def defaults() -> dict[str, str]:
    """The answers cookiecutter renders from cookiecutter.json with --no-input."""
    context = generate_context(context_file=str(REPO_ROOT / "cookiecutter.json"))
    rendered: dict[str, Any] = prompt_for_config(context, no_input=True)
    return {name: value for name, value in rendered.items() if isinstance(value, str)}


def suggested(message: str, field: str) -> str:
    """The value in the message's `field='value'` (or `field="it's"`), as Python's repr wrote it."""
    match = re.search(rf"""{field}=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", message)
    assert match, f"no suggestion for {field} in {message!r}"
    value = ast.literal_eval(match[1])
    assert isinstance(value, str)
    return value


def test_defaults_pass_every_check(defaults: dict[str, str]) -> None:
    assert defaults["project_slug"] == "my_realtime_app"
    assert defaults["first_superuser_email"] == f"admin@{defaults['domain']}"
    assert pre.problems(defaults) == []


def test_every_check_runs() -> None:
    assert set(pre.CHECKS) >= {
        pre.check_slug,
        pre.check_author_email,
        pre.check_first_superuser_email,
        pre.check_domain,
        pre.check_project_name,
        pre.check_description,
        pre.check_author_name,
    }


@pytest.mark.parametrize("slug", ["a", "my_app", "app2", "realtime_v2", "match", "tests_project", "x_"])
def test_slug_accepted(defaults: dict[str, str], slug: str) -> None:
    assert pre.check_slug({**defaults, "project_slug": slug}) is None


@pytest.mark.parametrize(
    ("slug", "suggestion"),
    [
        ("my-app", "my_app"),
        ("my app", "my_app"),
        ("My App", "my_app"),
        ("MyApp", "myapp"),
        ("1app", "app_1app"),
        ("_private", "private"),
        ("class", "class_project"),
        ("def", "def_project"),
        ("None", "none"),
        ("app", "app_project"),
        ("test", "test_project"),
        ("tests", "tests_project"),
        ("---", "app_project"),
        ("", "app_project"),
    ],
)
def test_slug_refused_with_valid_suggestion(defaults: dict[str, str], slug: str, suggestion: str) -> None:
    message = pre.check_slug({**defaults, "project_slug": slug})

    assert message is not None
    assert message.startswith("project_slug ")
    assert suggested(message, "project_slug") == suggestion
    assert pre.check_slug({**defaults, "project_slug": suggestion}) is None, "the suggestion is refused too"


@pytest.mark.parametrize("slug", ["café", "Über", "日本", "9", "__init__", "app-", "my.app", "a b c", "TESTS"])
def test_slug_suggestion_always_accepted(defaults: dict[str, str], slug: str) -> None:
    message = pre.check_slug({**defaults, "project_slug": slug})

    assert message is not None
    assert pre.check_slug({**defaults, "project_slug": suggested(message, "project_slug")}) is None


EMAIL_CHECKS: list[tuple[str, Check]] = [
    ("author_email", pre.check_author_email),
    ("first_superuser_email", pre.check_first_superuser_email),
]


@pytest.mark.parametrize(("field", "check"), EMAIL_CHECKS)
@pytest.mark.parametrize(
    "email", ["a@b.co", "jane.doe+tag@mail.example.org", "o'neill@example.ie", "x_y-z@sub-domain.example.com"]
)
def test_email_accepted(defaults: dict[str, str], field: str, check: Check, email: str) -> None:
    assert check({**defaults, field: email}) is None


@pytest.mark.parametrize(("field", "check"), EMAIL_CHECKS)
@pytest.mark.parametrize(
    "email", ["", "jane", "jane@", "@example.com", "jane@example", "jane doe@example.com", "jane@exa mple.com"]
)
def test_email_refused_with_valid_suggestion(defaults: dict[str, str], field: str, check: Check, email: str) -> None:
    message = check({**defaults, field: email})

    assert message is not None
    assert message.startswith(f"{field} ")
    suggestion = suggested(message, field)
    assert check({**defaults, field: suggestion}) is None


@pytest.mark.parametrize("domain", ["example.com", "a.io", "api.sub-domain.example.co.uk", "xn--bcher-kva.example"])
def test_domain_accepted(defaults: dict[str, str], domain: str) -> None:
    assert pre.check_domain({**defaults, "domain": domain}) is None


@pytest.mark.parametrize(
    ("domain", "suggestion"),
    [
        ("https://example.org", "example.org"),
        ("http://example.org/", "example.org"),
        ("example.org/app", "example.org"),
        ("Example.ORG", "example.org"),
        ("HTTPS://Example.org/Path", "example.org"),
        (" example.org ", "example.org"),
        ("example.org:8443", "example.org"),
        ("localhost", "example.com"),
        ("", "example.com"),
        ("-bad.example.org", "example.com"),
        ("example..org", "example.com"),
        ("10.0.0.1", "example.com"),
    ],
)
def test_domain_refused_with_valid_suggestion(defaults: dict[str, str], domain: str, suggestion: str) -> None:
    message = pre.check_domain({**defaults, "domain": domain})

    assert message is not None
    assert message.startswith("domain ")
    assert suggested(message, "domain") == suggestion
    assert pre.check_domain({**defaults, "domain": suggestion}) is None, "the suggestion is refused too"


TEXT_CHECKS: dict[str, Check] = {
    "project_name": pre.check_project_name,
    "description": pre.check_description,
    "author_name": pre.check_author_name,
}


def test_every_quoted_field_checked() -> None:
    assert set(TEXT_CHECKS) == set(pre.QUOTED_TEXT_FIELDS)


@pytest.mark.parametrize("field", TEXT_CHECKS)
@pytest.mark.parametrize(
    "text", ["My App", "Zoë's Chat: Realtime & More (v2)!", "100% async; <fast>", "日本語", "a  b"]
)
def test_text_accepted(defaults: dict[str, str], field: str, text: str) -> None:
    assert TEXT_CHECKS[field]({**defaults, field: text}) is None


@pytest.mark.parametrize("field", TEXT_CHECKS)
@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ('The "Best" App', "The 'Best' App"),
        ("Ends in a backslash\\", "Ends in a backslash/"),
        ("C:\\Apps\\Mine", "C:/Apps/Mine"),
        ("Two\nlines", "Two lines"),
        ("Tab\tseparated\r\n", "Tab separated"),
        ("Bell\x07", "Bell"),
    ],
)
def test_text_refused_with_valid_suggestion(defaults: dict[str, str], field: str, text: str, suggestion: str) -> None:
    message = TEXT_CHECKS[field]({**defaults, field: text})

    assert message is not None
    assert message.startswith(f"{field} ")
    assert suggested(message, field) == suggestion
    assert TEXT_CHECKS[field]({**defaults, field: suggestion}) is None


def test_unsupported_combination_refused(defaults: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "use_websockets=yes needs database=postgresql"
    monkeypatch.setattr(pre, "UNSUPPORTED_COMBINATIONS", [({"database": "sqlite", "use_websockets": "yes"}, reason)])

    assert pre.check_combinations({**defaults, "database": "sqlite", "use_websockets": "yes"}) == reason
    assert pre.check_combinations({**defaults, "database": "sqlite", "use_websockets": "no"}) is None
    assert pre.check_combinations({**defaults, "database": "postgresql", "use_websockets": "yes"}) is None
    assert reason in pre.problems({**defaults, "database": "sqlite", "use_websockets": "yes"})


def test_every_unsupported_combination_is_told_at_once(defaults: dict[str, str]) -> None:
    answers = {**defaults, "use_websockets": "no", "frontend": "react", "realtime_broker": "redis"}

    found = pre.problems(answers)

    assert [message.split("=", 1)[0] for message in found] == ["frontend", "realtime_broker"]


def test_unsupported_combinations_name_real_choices() -> None:
    options = json.loads((REPO_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    for combination, reason in pre.UNSUPPORTED_COMBINATIONS:
        assert reason.strip(), f"{combination} needs a reason the user can act on"
        for option, value in combination.items():
            assert isinstance(options.get(option), list), f"{option} is not a choice option"
            assert value in options[option], f"{option} has no choice {value!r}"


def test_problems_lists_every_failing_check(defaults: dict[str, str]) -> None:
    found = pre.problems({**defaults, "project_slug": "My-App", "author_email": "x", "domain": "http://x.io/"})

    assert [message.split(" ", 1)[0] for message in found] == ["project_slug", "author_email", "domain"]


def test_main_reports_on_stderr(
    defaults: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pre, "RENDERED_CONTEXT", json.dumps({**defaults, "project_slug": "app"}))
    assert pre.main() == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ERROR: project_slug 'app' ")

    monkeypatch.setattr(pre, "RENDERED_CONTEXT", json.dumps(defaults))
    assert pre.main() == 0
    assert capsys.readouterr().err == ""


def test_rendered_context_is_the_only_jinja() -> None:
    source = pre.__file__
    assert source is not None
    text = Path(source).read_text(encoding="utf-8")
    assert pre.RENDERED_CONTEXT == "{{ cookiecutter | tojson }}"
    assert text.count("{{") == 1
    assert "{%" not in text
