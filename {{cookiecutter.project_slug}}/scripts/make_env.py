"""Create the project's .env from .env.example, with a fresh random secret for each NAME=__generate__.

Run from anywhere: `python3 scripts/make_env.py`. An existing .env is never overwritten.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)=__generate__$", re.MULTILINE)


def fill_secrets(template: str) -> str:
    return PLACEHOLDER.sub(lambda match: f"{match['name']}={secrets.token_urlsafe(32)}", template)


def make_env(root: Path) -> bool:
    """Write root/.env unless it exists; return whether it was written."""
    env = root / ".env"
    if env.exists():
        return False
    env.write_text(fill_secrets((root / ".env.example").read_text()))
    env.chmod(0o600)
    return True


if __name__ == "__main__":
    project_root = Path(__file__).resolve().parent.parent
    if make_env(project_root):
        print(f"Wrote {project_root / '.env'} with fresh secrets.", file=sys.stderr)
