"""A feature that is off leaves nothing behind: its paths are gone and none of its words appear anywhere.

Reads the post-gen hook's FEATURES table, so a feature added there is checked here without new tests.
"""

from __future__ import annotations

import re

import pytest

from tests.baking import GENERATED_SETTING, REPO_ROOT, TEMPLATE_DIR_NAME, project_paths, text_files
from tests.combinations import SUPPORTED, Combination, combination_id
from tests.conftest import BakedProjects
from tests.template_hooks import post_gen_project

Feature = post_gen_project.Feature


def cases(*, disabled_only: bool) -> list[object]:
    return [
        pytest.param(combination, feature, id=f"{combination_id(combination)}-{feature.name}")
        for combination in SUPPORTED
        for feature in post_gen_project.FEATURES
        if not (disabled_only and feature.enabled(combination))
    ]


@pytest.mark.parametrize(("combination", "feature"), cases(disabled_only=False))
def test_feature_paths_follow_answers(
    baked_projects: BakedProjects, combination: Combination, feature: Feature
) -> None:
    project = baked_projects.get(combination)
    present = [path for path in feature.paths if (project / path).exists()]

    if feature.enabled(combination):
        missing = sorted(set(feature.paths) - set(present))
        assert not missing, f"{feature.name} is on but these are missing: {missing}"
    else:
        assert not present, f"{feature.name} is off but these were left: {present}"


@pytest.mark.parametrize(("combination", "feature"), cases(disabled_only=True))
def test_disabled_feature_leaves_no_trace(
    baked_projects: BakedProjects, combination: Combination, feature: Feature
) -> None:
    project = baked_projects.get(combination)
    # A generated secret is random text, which may spell a trace by chance.
    secrets = GENERATED_SETTING.findall((project / ".env.example").read_text())

    found = [
        line
        for file in text_files(project)
        for trace in feature.traces
        for line in file.lines_with(trace)
        if not (str(file.relative) == ".env" and line.split(": ", 1)[1].split("=", 1)[0] in secrets)
    ]
    found += [
        f"{relative}: file name"
        for path, relative in project_paths(project)
        for trace in feature.traces
        if trace in path.name
    ]

    assert not found, f"{feature.name} is off, yet its traces {list(feature.traces)} remain:\n" + "\n".join(found)


def first_enabled(feature: Feature) -> Combination:
    return next(combination for combination in SUPPORTED if feature.enabled(combination))


@pytest.mark.parametrize("feature", post_gen_project.FEATURES, ids=lambda feature: feature.name)
def test_traces_are_found_where_the_feature_is_on(baked_projects: BakedProjects, feature: Feature) -> None:
    """A trace that a bake with the feature never contains would prove nothing when the feature is off."""
    project = baked_projects.get(first_enabled(feature))
    texts = [file.text for file in text_files(project)]
    names = [path.name for path, _ in project_paths(project)]

    unseen = [
        trace
        for trace in feature.traces
        if not any(trace in text for text in texts) and not any(trace in name for name in names)
    ]

    assert not unseen, f"{feature.name}: these traces appear nowhere in a bake that has it: {unseen}"


# `{% if` and `{%- if` in the backend's Python: where a feature would add more, it gets a module of its
# own instead, which FEATURES removes or VARIANTS swaps in.
INLINE_CONDITIONAL = re.compile(r"\{%-?\s*if\b")
MOST_BACKEND_CONDITIONALS = 60


def test_backend_code_has_few_inline_conditionals() -> None:
    app = REPO_ROOT / TEMPLATE_DIR_NAME / "backend" / "app"
    counts = {
        path.relative_to(app).as_posix(): len(INLINE_CONDITIONAL.findall(path.read_text()))
        for path in app.rglob("*.py")
    }
    total = sum(counts.values())
    busiest = sorted(counts.items(), key=lambda item: -item[1])[:5]
    assert total <= MOST_BACKEND_CONDITIONALS, (
        f"{total} inline conditionals in backend/app (at most {MOST_BACKEND_CONDITIONALS}); give a feature "
        f"its own module instead. The most: {busiest}"
    )
