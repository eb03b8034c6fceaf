"""Shape the baked project to the answers.

What each option owns is declared once, in FEATURES: the template's tests read the same
table to check that a feature that is off leaves nothing behind.
"""

from __future__ import annotations

import json
import runpy
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
            "backend/app/api/sockets.py",
            "backend/app/api/routes/rooms.py",
            "backend/app/api/routes/socket.py",
            "backend/app/server.py",
            "backend/app/session",
            "backend/app/rooms",
            "backend/tools",
            "scripts/loadtest.sh",
            "backend/tests/socket_client.py",
            "backend/tests/fakes.py",
            "backend/tests/test_rooms.py",
            "backend/tests/test_rooms_unit.py",
            "backend/tests/test_limits.py",
            "backend/tests/test_socket.py",
            "backend/tests/test_session_unit.py",
            "backend/tests/test_load.py",
            "backend/tests/test_fuzz.py",
        ),
        traces=("sockets", "app.session", "WS_", "websocket", "the socket", "socket's", "Socket"),
    ),
    Feature(
        name="frontend",
        when={"frontend": "react"},
        paths=(
            "frontend",
            "backend/app/frontend.py",
            "backend/tests/test_frontend.py",
            "backend/tests/e2e",
            "scripts/dev.sh",
            "scripts/frontend.sh",
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
            "backend/app/rooms/redis.py",
            "backend/tests/test_rooms_redis.py",
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
        traces=("magic_link", "magic-link", "MAGIC_LINK", "claim_hash", "sign-in link"),
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
    """A file that comes in a second version for some answers, for files copied without rendering.

    When `when` matches, `source` replaces `target`; otherwise `source` is removed and `target` stays.
    """

    target: str
    source: str
    when: Mapping[str, str]

    def enabled(self, context: Mapping[str, str]) -> bool:
        return all(context.get(option) == value for option, value in self.when.items())


VARIANTS: tuple[Variant, ...] = (
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


def main() -> int:
    context = json.loads(RENDERED_CONTEXT)
    root = Path.cwd()
    apply_variants(root, context)
    for feature in disabled_features(context):
        remove_paths(root, feature.paths)
    remove_empty_dirs(root)
    write_env(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
