"""Shape the baked project to the answers, and record the template it came from for cruft (.cruft.json).

What each option owns is declared once, in FEATURES: the template's tests read the same
table to check that a feature that is off leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Rendered by cookiecutter; a plain string constant when the module is imported by tests.
RENDERED_CONTEXT = r"""{{ cookiecutter | tojson }}"""


@dataclass(frozen=True)
class Feature:
    """Paths (relative to the project root) that exist only when every `when` answer matches."""

    name: str
    when: Mapping[str, str]
    paths: tuple[str, ...]
    # Words that must not appear anywhere in the project once the feature is removed.
    traces: tuple[str, ...] = field(default=())

    def enabled(self, context: Mapping[str, str]) -> bool:
        return all(context.get(option) == value for option, value in self.when.items())


FEATURES: tuple[Feature, ...] = (
    Feature(
        name="websockets",
        when={"use_websockets": "yes"},
        paths=(
            "backend/app/realtime",
            "backend/app/api/routes/rooms.py",
            "backend/app/api/routes/socket.py",
            "backend/tools",
            "scripts/loadtest.sh",
            "backend/tests/socket_client.py",
            "backend/tests/fakes.py",
            "backend/tests/test_rooms.py",
            "backend/tests/test_rooms_unit.py",
            "backend/tests/test_limits.py",
            "backend/tests/test_socket.py",
            "backend/tests/test_adapter.py",
            "backend/tests/test_asyncapi.py",
            "docs",
            "backend/tests/test_session_unit.py",
            "backend/tests/test_load.py",
            "backend/tests/test_fuzz.py",
        ),
        traces=(
            "sockets",
            "app.realtime",
            "WS_",
            "websocket",
            "the socket",
            "socket's",
            "Socket",
            "room",
            "Room",
            "asyncapi",
            "AsyncAPI",
        ),
    ),
    Feature(
        name="frontend",
        when={"frontend": "react"},
        paths=(
            "frontend",
            "backend/app/frontend.py",
            "backend/tests/test_frontend.py",
            "backend/tests/test_frontend_protocol.py",
            "backend/tests/e2e",
            "scripts/dev.sh",
            "scripts/frontend.sh",
            "scripts/protocol.sh",
            "backend/app/api/openapi.py",
        ),
        traces=(
            "frontend/",
            "npm",
            "VITE_",
            "FRONTEND_DIST",
            "chromium",
            "Chromium",
            "playwright",
            "test-artifacts",
            "dev.sh",
        ),
    ),
    Feature(
        name="redis",
        when={"use_websockets": "yes", "realtime_broker": "redis"},
        paths=(
            "backend/app/realtime/rooms/redis.py",
            "backend/app/realtime/rooms/redis_cluster.py",
            "backend/app/core/redis_cluster.py",
            "backend/tests/test_rooms_redis.py",
            "backend/tests/test_rooms_redis_cluster.py",
        ),
        traces=("redis", "Redis", "REDIS_"),
    ),
    Feature(
        name="magic_link",
        when={"auth_magic_link": "yes"},
        paths=(
            "backend/app/api/routes/magic_link.py",
            "backend/tests/test_magic_link.py",
        ),
        traces=("magic_link", "magic-link", "MAGIC_LINK", "sign-in link"),
    ),
    Feature(
        name="magic_link_page",
        when={"auth_magic_link": "yes", "frontend": "react"},
        paths=(
            "frontend/src/features/magic-link",
            "backend/tests/e2e/test_magic_link_page.py",
        ),
    ),
    Feature(
        name="totp",
        when={"auth_totp": "yes"},
        paths=(
            "backend/app/totp.py",
            "backend/app/totp_settings.py",
            "backend/app/api/routes/two_factor.py",
            "backend/tests/authenticator.py",
            "backend/tests/test_two_factor.py",
        ),
        traces=(
            "totp",
            "TOTP",
            "pyotp",
            "segno",
            "cryptography",
            "two_factor",
            "two-factor",
            "TwoFactor",
            "authenticator",
        ),
    ),
    Feature(
        name="totp_page",
        when={"auth_totp": "yes", "frontend": "react"},
        paths=(
            "frontend/src/features/two-factor",
            "backend/tests/e2e/test_two_factor_page.py",
        ),
    ),
    Feature(
        name="postgresql",
        when={"database": "postgresql"},
        paths=(),
        traces=("asyncpg", "POSTGRES_"),
    ),
    Feature(
        name="sqlite",
        when={"database": "sqlite"},
        paths=(),
        traces=("aiosqlite", "SQLITE_"),
    ),
    Feature(
        name="docker",
        when={"use_docker": "yes"},
        paths=(
            "backend/Dockerfile",
            ".dockerignore",
            "compose.yml",
            "compose.override.yml",
        ),
        traces=("Dockerfile", "dockerignore", "compose.yml", "docker compose"),
    ),
    Feature(
        name="docker_frontend",
        when={"use_docker": "yes", "frontend": "react"},
        paths=("frontend/Dockerfile", "frontend/.dockerignore"),
    ),
    Feature(
        name="github",
        when={"ci": "github"},
        paths=(".github",),
        traces=(".github", "workflows", "dependabot", "GitHub Actions"),
    ),
    Feature(
        name="github_image",
        when={"ci": "github", "use_docker": "yes"},
        paths=(".github/workflows/image.yml",),
        traces=("build-push-action",),
    ),
)


@dataclass(frozen=True)
class Variant:
    """A file that comes in a second version for some answers: a module that differs too much for
    inline conditionals, or a file copied without rendering.

    When `when` matches, `source` replaces `target`; otherwise `source` is removed and `target` stays.
    """

    target: str
    source: str
    when: Mapping[str, str]

    def enabled(self, context: Mapping[str, str]) -> bool:
        return all(context.get(option) == value for option, value in self.when.items())


VARIANTS: tuple[Variant, ...] = (
    # The throttle's counts live in Redis where the project has it, else in the database.
    Variant(
        target="backend/app/throttle/store.py",
        source="backend/app/throttle/store.redis.py",
        when={"use_websockets": "yes", "realtime_broker": "redis"},
    ),
    # Without the React page, pre-commit has no hook for it (and no word of it).
    Variant(
        target=".pre-commit-config.yaml",
        source=".pre-commit-config.api.yaml",
        when={"frontend": "none"},
    ),
)


def variant_source(relative: str, context: Mapping[str, str]) -> str:
    """The template path that a baked file at `relative` was copied from."""
    for variant in VARIANTS:
        if variant.target == relative and variant.enabled(context):
            return variant.source
    return relative


def apply_variants(root: Path, context: Mapping[str, str]) -> None:
    for variant in VARIANTS:
        source = root / variant.source
        if variant.enabled(context):
            source.replace(root / variant.target)
        elif source.exists():
            source.unlink()


def disabled_features(context: Mapping[str, str]) -> list[Feature]:
    return [feature for feature in FEATURES if not feature.enabled(context)]


def remove_paths(root: Path, paths: Iterable[str]) -> None:
    for relative in paths:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def remove_empty_dirs(root: Path) -> None:
    for path in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()


def write_env(root: Path) -> None:
    """Create .env from .env.example with fresh secrets, using the project's own script."""
    make_env = runpy.run_path(str(root / "scripts" / "make_env.py"))
    make_env["make_env"](root)


# --- The record cruft reads to bring the template's later commits into the project -----------------

CRUFT_FILE = ".cruft.json"
# What each bake generates for itself (the secrets of .env): an update never diffs nor writes it.
CRUFT_SKIP = (".env",)


@dataclass(frozen=True)
class TemplateSource:
    """Where cruft finds the template again: the repository, the commit baked, the template's folder in it."""

    template: str
    commit: str
    directory: str | None


def git(folder: Path, *args: str) -> str | None:
    """The output of a git command run in folder, or None if it fails (no checkout, no git)."""
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=False)  # noqa: S603, S607
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def template_source(folder: Path, *, cloned: bool) -> TemplateSource | None:
    """The git checkout holding the template folder `folder`, or None when it is not in one.

    A checkout cookiecutter cloned is named by its URL (its `origin`); one of the user's own by its
    absolute path, as `cruft create` names a local template.
    """
    top = git(folder, "rev-parse", "--show-toplevel")
    commit = git(folder, "rev-parse", "--verify", "HEAD")
    if top is None or commit is None:
        return None
    directory = folder.resolve().relative_to(Path(top).resolve()).as_posix()
    origin = git(Path(top), "remote", "get-url", "origin") if cloned else None
    return TemplateSource(origin or top, commit, None if directory == "." else directory)


def cruft_state(
    questions: Mapping[str, Any], answers: Mapping[str, Any], source: TemplateSource, checkout: str | None = None
) -> dict[str, Any]:
    """What `cruft create` writes to .cruft.json for these answers, and the paths updates leave alone.

    The context is cookiecutter.json's keys in its order, each answered (a private `_` key keeps its
    value from cookiecutter.json), then cruft's `_template` and `_commit`: the keys cookiecutter adds
    about one bake (`_output_dir`, `_repo_dir`, `_checkout`) are not cruft's.
    """
    context = {key: answers.get(key, raw) for key, raw in questions.items() if not key.startswith("__")}
    return {
        "template": source.template,
        "commit": source.commit,
        "checkout": checkout,
        "context": {"cookiecutter": {**context, "_template": source.template, "_commit": source.commit}},
        "directory": source.directory,
        "skip": list(CRUFT_SKIP),
    }


def cruft_json(state: Mapping[str, Any]) -> str:
    """The state as cruft itself writes .cruft.json."""
    return json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n"


def made_by_cruft(context: Mapping[str, Any]) -> bool:
    """Whether cruft is rendering the template (`cruft create`, or the two renders of an update).

    cruft adds `_commit` to the context; cookiecutter never does.
    """
    return "_commit" in context


def template_folder(context: Mapping[str, Any]) -> Path | None:
    """The folder cookiecutter read the template from (a clone of its own, or the user's), if found."""
    raw = context.get("_repo_dir")
    if not raw:
        return None
    folder = Path(raw)
    if not folder.is_absolute():
        # Relative to the folder cookiecutter was started in, which the shell passes on as PWD (the
        # hook itself runs in the project).
        folder = Path(os.environ.get("PWD", "")) / folder
    return folder.resolve() if (folder / "cookiecutter.json").is_file() else None


def write_cruft_state(root: Path, context: Mapping[str, Any]) -> bool:
    """Write root/.cruft.json when the template came from a git checkout; return whether it was written."""
    folder = template_folder(context)
    if folder is None:
        return False
    given, repo_dir = Path(str(context.get("_template", ""))), Path(str(context["_repo_dir"]))
    # cookiecutter reads a local template where it is (the folder, or a `directory` in it); any other
    # it clones first.
    cloned = repo_dir != given and given not in repo_dir.parents
    source = template_source(folder, cloned=cloned)
    if source is None:
        return False
    questions = json.loads((folder / "cookiecutter.json").read_text(encoding="utf-8"))
    state = cruft_state(questions, context, source, context.get("_checkout"))
    (root / CRUFT_FILE).write_text(cruft_json(state), encoding="utf-8")
    return True


def main() -> int:
    context = json.loads(RENDERED_CONTEXT)
    root = Path.cwd()
    apply_variants(root, context)
    for feature in disabled_features(context):
        remove_paths(root, feature.paths)
    remove_empty_dirs(root)
    # cruft writes .cruft.json itself; and the renders it compares need no secrets (a project's .env
    # is its own: its first run writes one when it has none).
    if not made_by_cruft(context):
        write_env(root)
        write_cruft_state(root, context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
