"""A feature that is off leaves nothing behind: its paths are gone and none of its words appear anywhere.

Reads the post-gen hook's FEATURES table, so a feature added there is checked here without new tests.
"""

from __future__ import annotations

import pytest

from tests.baking import project_paths, text_files
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

    found = [line for file in text_files(project) for trace in feature.traces for line in file.lines_with(trace)]
    found += [
        f"{relative}: file name"
        for path, relative in project_paths(project)
        for trace in feature.traces
        if trace in path.name
    ]

    assert not found, f"{feature.name} is off, yet its traces {list(feature.traces)} remain:\n" + "\n".join(found)
