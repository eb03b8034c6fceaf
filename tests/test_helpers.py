"""The test helpers themselves: reading pytest's summary, cookiecutter's copy-only rule, the clean copy."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

import pytest

from tests.baking import (
    LEFTOVER_SYNTAX,
    bake_output_leftovers,
    copied_without_render,
    copy_clean_template,
    pytest_summary,
    text_files,
)


@pytest.mark.parametrize(
    ("line", "counts"),
    [
        ("===== 12 passed in 3.21s =====", {"passed": 12}),
        ("== 1 failed, 11 passed, 2 warnings in 0.50s ==", {"failed": 1, "passed": 11, "warnings": 2}),
        ("=== 3 passed, 1 skipped, 1 error in 1.00s (0:00:01) ===", {"passed": 3, "skipped": 1, "error": 1}),
        ("==== 2 errors in 0.1s ====", {"error": 2}),
        ("=== no tests ran in 0.01s ===", {}),
    ],
)
def test_pytest_summary(line: str, counts: dict[str, int]) -> None:
    output = f"collected 3 items\n\ntests/test_x.py ...\n{line}\n"
    assert pytest_summary(output) == (line, counts)


@pytest.mark.parametrize(
    "line",
    [
        "name = {{ cookiecutter.project_slug }}",
        "{%- if cookiecutter.database == 'sqlite' %}",
        "{# note #}",
        "x = 1  {#",
        "value }}",
        "    endif -%}",
        "%} tail",
        "}} tail",
    ],
)
def test_leftover_syntax_found(line: str) -> None:
    assert LEFTOVER_SYNTAX.search(line)


@pytest.mark.parametrize(
    "line",
    [
        'payload = {"state": "ping", "data": {"n": 1}}',
        'assert reply == {"data": {}}',
        'f"{ratio:.0%}"',
        "def f(x: dict[str, dict[str, int]]) -> None: ...",
        "width: 50%;",
    ],
)
def test_leftover_syntax_not_found_in_code(line: str) -> None:
    assert not LEFTOVER_SYNTAX.search(line)


def test_pytest_summary_missing() -> None:
    with pytest.raises(AssertionError, match="no pytest summary"):
        pytest_summary("Traceback: it broke before pytest started\n")


def test_copied_without_render() -> None:
    patterns = ["frontend", "docs/*.md"]
    assert copied_without_render(PurePosixPath("frontend/src/App.tsx"), patterns)
    assert copied_without_render(PurePosixPath("frontend"), patterns)
    assert copied_without_render(PurePosixPath("docs/guide.md"), patterns)
    assert not copied_without_render(PurePosixPath("backend/app/main.py"), patterns)
    assert not copied_without_render(PurePosixPath("frontend2/x.ts"), patterns)
    assert not copied_without_render(PurePosixPath("backend/frontend.py"), patterns)


def test_clean_copy_leaves_out_ignored_files(tmp_path: Path) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    source.mkdir()
    subprocess.run(["git", "init", "--quiet", str(source)], check=True)
    files = {
        ".gitignore": "node_modules/\n*.log\n",
        "tracked.txt": "t",
        "new.txt": "n",
        "web/node_modules/pkg/index.js": "x",
        "web/app.js": "a",
        "debug.log": "l",
        "web/.gitignore": "dist/\n",
        "web/dist/bundle.js": "b",
    }
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o755)
    subprocess.run(["git", "add", "tracked.txt", "run.sh"], cwd=source, check=True)

    copy_clean_template(source, copy)

    copied = sorted(path.relative_to(copy).as_posix() for path in copy.rglob("*") if path.is_file())
    assert copied == [".gitignore", "new.txt", "run.sh", "tracked.txt", "web/.gitignore", "web/app.js"]
    assert (copy / "run.sh").stat().st_mode & 0o111, "the executable bit must survive the copy"


def test_text_files_skip_binary_and_dependencies(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.js").write_text("{{ x }}")

    found = {str(file.relative): file.text for file in text_files(tmp_path)}

    assert found == {"a.py": "x = 1\n", "latin.txt": "café"}


def test_bake_output_leftovers(tmp_path: Path) -> None:
    (tmp_path / "bake00").mkdir()
    assert bake_output_leftovers(tmp_path) == []
    (tmp_path / "bake01" / "half").mkdir(parents=True)
    assert bake_output_leftovers(tmp_path) == ["bake01", "bake01/half"]
