"""Helpers shared by the tests: a clean copy of the template, walking a baked project, running its scripts."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR_NAME = "{{cookiecutter.project_slug}}"

# Folders of a baked project that are never scanned: installed packages and caches, which only
# exist once a script has run, and a frontend's local node_modules.
# A setting of .env.example whose value the post-gen hook generates (a secret): NAME=__generate__.
GENERATED_SETTING = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)=__generate__$", re.MULTILINE)
UNSCANNED_DIRS = frozenset({".git", "node_modules", ".venv", ".tools", ".mypy_cache", ".ruff_cache", ".pytest_cache"})

# Jinja's delimiters: none may survive in a file the template renders. Openers count anywhere; closers
# count as Jinja writes them, after a space or a "-" (`x }}`, `-%}`), since a nested dict or JSON literal
# in rendered code legitimately ends in `}}` (and ruff format insists on that form).
TEMPLATE_MARKERS = ("{{", "}}", "{%", "%}", "{#")
LEFTOVER_SYNTAX = re.compile(r"\{\{|\{%|\{#|(?:^|[\s-])(?:\}\}|%\})")
# Jinja that mentions the template's answers: not even a file copied without rendering may hold it.
COOKIECUTTER_JINJA = re.compile(r"\{\{-?\s*cookiecutter\b|\{%-?[^%]*\bcookiecutter\b")


class BakeResult(Protocol):
    """What pytest-cookies' Result offers (it has no type hints of its own)."""

    exception: BaseException | SystemExit | None
    exit_code: int | str | None
    context: dict[str, Any] | None

    @property
    def project_path(self) -> Path | None: ...


class Cookies(Protocol):
    def bake(self, extra_context: Mapping[str, str] | None = None, template: str | None = None) -> BakeResult: ...


def git_visible_files(root: Path) -> list[str]:
    """The files a clone of root would have, plus new files git does not ignore (a clone-to-be)."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    return sorted({name for name in listing.decode().split("\0") if name})


def copy_clean_template(source: Path, destination: Path) -> Path:
    """Copy what git would put in a clone of source: no ignored files (node_modules, caches, .env)."""
    for name in git_visible_files(source):
        origin = source / name
        if not origin.exists() and not origin.is_symlink():
            continue  # deleted in the work tree, not yet staged
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target, follow_symlinks=False)
    return destination


def cookiecutter_settings(template: Path = REPO_ROOT) -> dict[str, Any]:
    settings: dict[str, Any] = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    return settings


def copied_without_render(relative: PurePosixPath, patterns: Sequence[str]) -> bool:
    """Whether cookiecutter copies this file verbatim: it or a folder above it matches _copy_without_render."""
    prefixes = [PurePosixPath(*relative.parts[: index + 1]).as_posix() for index in range(len(relative.parts))]
    return any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in patterns)


@dataclass(frozen=True)
class TextFile:
    path: Path
    relative: PurePosixPath
    text: str

    def lines_with(self, needle: str) -> list[str]:
        return [f"{self.relative}:{number}: {line.strip()}" for number, line in self.numbered() if needle in line]

    def lines_matching(self, pattern: re.Pattern[str]) -> list[str]:
        return [f"{self.relative}:{number}: {line.strip()}" for number, line in self.numbered() if pattern.search(line)]

    def numbered(self) -> Iterator[tuple[int, str]]:
        return enumerate(self.text.splitlines(), start=1)


# A bake's files are read by many tests in a row (one per feature, say): the last few bakes' are
# kept, so each is read once. Only for projects no test changes (BakedProjects' and fresh bakes).
@functools.lru_cache(maxsize=8)
def project_paths(root: Path) -> tuple[tuple[Path, PurePosixPath], ...]:
    """Every file and folder under root, with its path relative to root, outside UNSCANNED_DIRS."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if not UNSCANNED_DIRS.intersection(relative.parts):
            found.append((path, relative))
    return tuple(found)


@functools.lru_cache(maxsize=8)
def text_files(root: Path) -> tuple[TextFile, ...]:
    """Every text file under root; a file with a NUL byte is binary and skipped."""
    found = []
    for path, relative in project_paths(root):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        found.append(TextFile(path, relative, text))
    return tuple(found)


def find_uv() -> str | None:
    """The uv running these tests (uv run sets UV), else one on PATH."""
    candidate = os.environ.get("UV") or shutil.which("uv")
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def baked_script_env(uv_dir: Path | None) -> dict[str, str]:
    """Environment for a baked project's scripts: this venv's tools hidden, a pinned uv on PATH if we have one."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME"}
        and not name.startswith(("PYTEST_", "COV_CORE_"))
    }
    own_bin = str(Path(sys.prefix) / "bin")
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry and entry != own_bin]
    if uv_dir is not None:
        path.insert(0, str(uv_dir))
    env["PATH"] = os.pathsep.join(path)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc (servers a script left behind included)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def run_bounded(args: Sequence[str], *, timeout: float, **options: Any) -> subprocess.CompletedProcess[str]:
    """subprocess.run, but a timeout kills everything the command started, not only the command."""
    with subprocess.Popen(args, text=True, **options) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for pid in [*descendants(process.pid), process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_script(
    project: Path, script: str, env: Mapping[str, str], *args: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run one of the baked project's scripts the way a developer would, output and errors together."""
    return run_bounded(
        ["bash", str(project / "scripts" / script), *args],
        cwd=project,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=timeout,
    )


SUMMARY_LINE = re.compile(r"^=+ (?P<body>.+) in [0-9.]+s(?: \([0-9:]+\))? =+$")
SUMMARY_COUNT = re.compile(r"(?P<count>\d+) (?P<kind>[a-z]+)")


def pytest_summary(output: str) -> tuple[str, dict[str, int]]:
    """pytest's closing line and its counts, e.g. {'passed': 12, 'warnings': 1}; errors become 'error'."""
    for line in reversed(output.splitlines()):
        match = SUMMARY_LINE.match(line.strip())
        if match:
            counts: dict[str, int] = {}
            for count in SUMMARY_COUNT.finditer(match["body"]):
                kind = {"errors": "error", "warning": "warnings"}.get(count["kind"], count["kind"])
                counts[kind] = counts.get(kind, 0) + int(count["count"])
            return line.strip(), counts
    raise AssertionError(f"no pytest summary line in the output:\n{output}")


def bake_output_leftovers(output_root: Path) -> list[str]:
    """Anything but empty bakeNN folders that pytest-cookies left under its output folder."""
    return sorted(
        path.relative_to(output_root).as_posix()
        for path in output_root.rglob("*")
        if not (path.is_dir() and path.parent == output_root and not any(path.iterdir()))
    )


def link_packages(node_modules: Path, frontend: Path) -> None:
    """A copy of `node_modules` in `frontend` made of hard links, that the bake's scripts take as
    installed: their record of the install is a file of its own, newer than the bake's lockfile."""
    shutil.copytree(node_modules, frontend / "node_modules", symlinks=True, copy_function=os.link)
    record = frontend / "node_modules" / ".package-lock.json"
    record.unlink()
    shutil.copy(node_modules / ".package-lock.json", record)
