"""Every combination of the template's choice options that the pre-gen hook accepts.

Read from cookiecutter.json, so a new choice option (a key whose default is a list) is picked
up by every parametrized test without touching the tests.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.template_hooks import pre_gen_project

REPO_ROOT = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = REPO_ROOT / "cookiecutter.json"

Combination = dict[str, str]

# Options that add or remove only files no linter or test suite reads (Dockerfiles, compose files,
# CI workflows): every value of theirs is baked and checked by the fast tests, but a slow test that
# lints or runs a project needs each distinct set of the other answers once.
NON_CODE_OPTIONS = frozenset({"use_docker", "ci"})


def load_defaults() -> dict[str, Any]:
    defaults: dict[str, Any] = json.loads(COOKIECUTTER_JSON.read_text(encoding="utf-8"))
    return defaults


def choice_options(defaults: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """Options answered by picking from a list, in cookiecutter.json's order; the first value is the default."""
    defaults = load_defaults() if defaults is None else defaults
    return {
        name: [str(value) for value in values]
        for name, values in defaults.items()
        if not name.startswith("_") and isinstance(values, list)
    }


def is_supported(combination: Mapping[str, str]) -> bool:
    return not any(
        all(combination.get(option) == value for option, value in excluded.items())
        for excluded, _reason in pre_gen_project.UNSUPPORTED_COMBINATIONS
    )


def all_combinations(options: Mapping[str, list[str]] | None = None) -> list[Combination]:
    options = choice_options() if options is None else options
    names = list(options)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*options.values())]


def supported_combinations() -> list[Combination]:
    return [combination for combination in all_combinations() if is_supported(combination)]


def default_combination() -> Combination:
    return {name: values[0] for name, values in choice_options().items()}


def code_answers(combination: Mapping[str, str]) -> Combination:
    """The answers that change the project's code: the combination without NON_CODE_OPTIONS."""
    return {name: value for name, value in combination.items() if name not in NON_CODE_OPTIONS}


def distinct_code_combinations(combinations: list[Combination] | None = None) -> list[Combination]:
    """The first of the combinations for each distinct set of code answers (on cookiecutter.json's order,
    the default of every NON_CODE_OPTIONS option)."""
    combinations = supported_combinations() if combinations is None else combinations
    first: dict[str, Combination] = {}
    for combination in combinations:
        first.setdefault(combination_id(code_answers(combination)), combination)
    return list(first.values())


def combination_id(combination: Mapping[str, str]) -> str:
    return "-".join(f"{name}={value}" for name, value in combination.items())


SUPPORTED = supported_combinations()
# One per distinct set of code answers: for the tests that lint or run a baked project.
SUPPORTED_CODE = distinct_code_combinations(SUPPORTED)


def each_value_once(combinations: list[Combination] | None = None) -> list[Combination]:
    """The first of the combinations with each value of each option: every answer, a few bakes."""
    combinations = supported_combinations() if combinations is None else combinations
    first: dict[str, Combination] = {}
    for name, values in choice_options().items():
        for value in values:
            found = next(combination for combination in combinations if combination[name] == value)
            first.setdefault(combination_id(found), found)
    return list(first.values())


EACH_VALUE = each_value_once(SUPPORTED)


def suite_combinations() -> list[Combination]:
    """The bakes whose own suites run: between them, every choice of every option that changes code.

    Not the whole product (each run takes minutes; test_generation lints every code combination):
    - the default (SQLite, rooms in memory, every sign-in method, React): the only one that builds the
      page and runs its checks and browser tests, with the whole backend suite;
    - PostgreSQL with rooms in Redis (and the throttle's counts there), API only;
    - the smallest: PostgreSQL without the socket or the optional sign-in methods, API only, where the
      throttle counts in PostgreSQL.
    The longest run comes first, so that the other worker takes the rest meanwhile.
    """
    default = default_combination()
    api = {**default, "frontend": "none"}
    return [
        default,
        {**api, "database": "postgresql", "realtime_broker": "redis"},
        {
            **api,
            "database": "postgresql",
            "use_websockets": "no",
            "realtime_broker": "memory",
            "auth_magic_link": "no",
            "auth_totp": "no",
        },
    ]
