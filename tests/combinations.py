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


# Sign-in methods that only add routes and pages: one bake without any of them covers their `no`.
TAKEN_OUT_TOGETHER = ("auth_magic_link", "auth_totp")


def suite_combinations() -> list[Combination]:
    """Each database with the websocket layer in, then every other choice once, on the defaults otherwise.

    Not the whole product (each run takes the better part of a minute): every choice of every option
    runs the baked suite at least once, and the full product is linted by test_generation. The React
    frontend's build, checks and browser tests are the slowest part, so only the bake that picks it runs
    them: the others are API-only, and one that differs from it only by having no frontend is left out,
    as the React bake's suite runs the same backend tests.
    """
    base = {**default_combination(), "use_websockets": "yes", "frontend": "none"}
    wanted = [{**base, "database": database} for database in choice_options()["database"]]
    wanted += [
        {**base, option: value}
        for option, values in choice_options().items()
        if option not in TAKEN_OUT_TOGETHER and option not in NON_CODE_OPTIONS
        for value in values
    ]
    wanted.append({**base, **dict.fromkeys(TAKEN_OUT_TOGETHER, "no")})
    unique = {combination_id(combination): combination for combination in wanted if is_supported(combination)}
    with_react = {combination_id({**c, "frontend": "none"}) for c in unique.values() if c["frontend"] == "react"}
    kept = [combination for key, combination in unique.items() if key not in with_react]
    # The longest run first, so that the other workers take the rest meanwhile.
    return sorted(kept, key=lambda combination: combination["frontend"] != "react")
