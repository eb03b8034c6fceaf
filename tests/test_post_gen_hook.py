"""hooks/post_gen_project.py, called directly: the FEATURES table and the functions that apply it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.baking import TEMPLATE_DIR_NAME
from tests.combinations import SUPPORTED, Combination, choice_options, combination_id, default_combination
from tests.template_hooks import post_gen_project as post


def make_tree(root: Path, files: list[str], dirs: list[str] = []) -> None:  # noqa: B006
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    for name in dirs:
        (root / name).mkdir(parents=True, exist_ok=True)


def tree(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() + ("/" if path.is_dir() else "") for path in root.rglob("*"))


def test_features_name_real_choices() -> None:
    options = choice_options()
    for feature in post.FEATURES:
        assert feature.when, f"{feature.name} has no condition"
        for option, value in feature.when.items():
            assert option in options, f"{feature.name}: {option} is not a choice option of cookiecutter.json"
            assert value in options[option], f"{feature.name}: {option} has no choice {value!r}"


def test_feature_names_unique() -> None:
    names = [feature.name for feature in post.FEATURES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("feature", post.FEATURES, ids=lambda feature: feature.name)
def test_feature_paths_exist_in_template(feature: post.Feature) -> None:
    root = Path(post.__file__).resolve().parent.parent / TEMPLATE_DIR_NAME
    missing = [path for path in feature.paths if not (root / path).exists()]
    assert not missing, f"{feature.name} lists paths the template does not have: {missing}"
    for path in feature.paths:
        assert not Path(path).is_absolute()
        assert ".." not in Path(path).parts


@pytest.mark.parametrize("feature", post.FEATURES, ids=lambda feature: feature.name)
def test_feature_can_be_removed_somewhere(feature: post.Feature) -> None:
    """A feature on in every supported combination could never be checked for leftovers."""
    assert any(not feature.enabled(combination) for combination in SUPPORTED)
    assert any(feature.enabled(combination) for combination in SUPPORTED)


def test_feature_enabled_needs_every_answer() -> None:
    feature = post.Feature(name="both", when={"a": "1", "b": "2"}, paths=())
    assert feature.enabled({"a": "1", "b": "2", "c": "3"})
    assert not feature.enabled({"a": "1", "b": "3"})
    assert not feature.enabled({"a": "1"})


@pytest.mark.parametrize("combination", SUPPORTED, ids=combination_id)
def test_disabled_features(combination: Combination) -> None:
    disabled = post.disabled_features(combination)

    assert disabled == [
        feature
        for feature in post.FEATURES
        if any(combination[option] != value for option, value in feature.when.items())
    ]


def test_disabled_features_for_defaults() -> None:
    names = {feature.name for feature in post.disabled_features(default_combination())}
    assert "websockets" not in names
    assert "frontend" not in names
    assert "postgresql" in names
    assert "sqlite" not in names


def test_remove_paths(tmp_path: Path) -> None:
    make_tree(tmp_path, ["keep.txt", "gone.txt", "pkg/keep.py", "pkg/sub/gone.py", "tree/a/b.txt", "tree/c.txt"])

    post.remove_paths(tmp_path, ["gone.txt", "tree", "pkg/sub/gone.py", "never/there.txt"])

    assert tree(tmp_path) == ["keep.txt", "pkg/", "pkg/keep.py", "pkg/sub/"]


def test_remove_empty_dirs(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a/keep.txt", "b/c/keep.txt", "e/.gitkeep"], dirs=["a/empty", "b/d/e/f", "g"])

    post.remove_empty_dirs(tmp_path)

    assert tree(tmp_path) == ["a/", "a/keep.txt", "b/", "b/c/", "b/c/keep.txt", "e/", "e/.gitkeep"]
    assert tmp_path.is_dir()


def test_remove_empty_dirs_keeps_empty_root(tmp_path: Path) -> None:
    post.remove_empty_dirs(tmp_path)
    assert tmp_path.is_dir()


def test_write_env(tmp_path: Path) -> None:
    template = Path(post.__file__).resolve().parent.parent / TEMPLATE_DIR_NAME
    (tmp_path / "scripts").mkdir()
    shutil.copy(template / "scripts" / "make_env.py", tmp_path / "scripts")
    (tmp_path / ".env.example").write_text("# note\nNAME=plain\nSECRET_KEY=__generate__\nOTHER=__generate__\n")

    post.write_env(tmp_path)

    lines = (tmp_path / ".env").read_text().splitlines()
    assert lines[:2] == ["# note", "NAME=plain"]
    secret, other = (line.split("=", 1)[1] for line in lines[2:])
    assert len(secret) >= 32
    assert secret != other
    assert "__generate__" not in (tmp_path / ".env").read_text()

    (tmp_path / ".env").write_text("KEEP=me\n")
    post.write_env(tmp_path)
    assert (tmp_path / ".env").read_text() == "KEEP=me\n", "an existing .env must never be overwritten"


def test_main_applies_features(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = Path(post.__file__).resolve().parent.parent / TEMPLATE_DIR_NAME
    project = tmp_path / "project"
    shutil.copytree(template, project, ignore=shutil.ignore_patterns("node_modules", "__pycache__", ".*_cache"))
    answers = {name: values[-1] for name, values in choice_options().items()}
    monkeypatch.setattr(post, "RENDERED_CONTEXT", json.dumps(answers))
    monkeypatch.chdir(project)

    assert post.main() == 0

    for feature in post.FEATURES:
        for path in feature.paths:
            assert (project / path).exists() == feature.enabled(answers), path
    assert (project / ".env").is_file()
    empty = [path for path in project.rglob("*") if path.is_dir() and not any(path.iterdir())]
    assert not empty
