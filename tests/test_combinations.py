"""The data the parametrized tests run over: every supported combination of the choice options."""

from __future__ import annotations

import itertools

import pytest

from tests import combinations
from tests.combinations import (
    EACH_VALUE,
    SUPPORTED,
    all_combinations,
    choice_options,
    combination_id,
    default_combination,
    is_supported,
    load_defaults,
)
from tests.template_hooks import pre_gen_project


def test_choice_options_come_from_cookiecutter_json() -> None:
    defaults = load_defaults()
    options = choice_options()

    assert options == {
        name: value for name, value in defaults.items() if isinstance(value, list) and not name.startswith("_")
    }
    assert {"database", "use_websockets"} <= set(options)
    for name, values in options.items():
        assert values, f"{name} offers no choice"
        assert len(values) == len(set(values)), f"{name} repeats a choice"


def test_new_choice_option_is_picked_up() -> None:
    defaults = {**load_defaults(), "frontend": ["react", "none"], "realtime_broker": ["memory", "redis", "nats"]}
    options = choice_options(defaults)

    found = all_combinations(options)

    assert len(found) == len(list(itertools.product(*options.values())))
    expected = {"database": "sqlite", "use_websockets": "no", "frontend": "none", "realtime_broker": "nats"}
    assert any(expected.items() <= combination.items() for combination in found)


def test_supported_is_the_product_minus_the_unsupported() -> None:
    everything = all_combinations()
    refused = [
        combination
        for combination in everything
        if any(
            all(combination.get(option) == value for option, value in excluded.items())
            for excluded, _ in pre_gen_project.UNSUPPORTED_COMBINATIONS
        )
    ]

    assert len(everything) == len(list(itertools.product(*choice_options().values())))
    assert [combination for combination in everything if combination not in refused] == SUPPORTED
    assert default_combination() in SUPPORTED


def test_unsupported_combinations_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        pre_gen_project, "UNSUPPORTED_COMBINATIONS", [({"database": "sqlite", "use_websockets": "no"}, "not both")]
    )

    supported = combinations.supported_combinations()

    assert {"database": "sqlite", "use_websockets": "no"} not in [
        {name: combination[name] for name in ("database", "use_websockets")} for combination in supported
    ]
    assert len(supported) == len(all_combinations()) // 4 * 3
    assert not is_supported({"database": "sqlite", "use_websockets": "no", "other": "x"})
    assert is_supported({"database": "postgresql", "use_websockets": "no"})


def test_combination_ids_are_unique_and_readable() -> None:
    ids = [combination_id(combination) for combination in SUPPORTED]
    assert len(ids) == len(set(ids))
    assert combination_id({"database": "sqlite", "use_websockets": "yes"}) == "database=sqlite-use_websockets=yes"


def test_each_value_once_has_every_answer_in_few_bakes() -> None:
    for option, values in choice_options().items():
        for value in values:
            assert any(combination[option] == value for combination in EACH_VALUE), f"{option}={value}"
    assert len(EACH_VALUE) <= sum(len(values) for values in choice_options().values())
    assert all(combination in SUPPORTED for combination in EACH_VALUE)
