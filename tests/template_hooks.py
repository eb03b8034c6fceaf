"""The template's hooks, loaded from their files.

hooks/ is not a package: cookiecutter renders each hook and runs it as a script. Unrendered, the
only Jinja in them is the RENDERED_CONTEXT string constant, so they import as plain modules.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

HOOKS_DIR = Path(__file__).resolve().parent.parent / "hooks"


def load_hook(name: str) -> ModuleType:
    path = HOOKS_DIR / f"{name}.py"
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the hook {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: dataclasses look their module up in sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_bake_script() -> ModuleType:
    """scripts/bake.py, the answers' checks and the bake behind scripts/bake.sh."""
    path = HOOKS_DIR.parent / "scripts" / "bake.py"
    spec = importlib.util.spec_from_file_location("bake", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    # mypy reads hooks/ through mypy_path, so the tests are checked against the real signatures.
    import post_gen_project
    import pre_gen_project
else:
    pre_gen_project = load_hook("pre_gen_project")
    post_gen_project = load_hook("post_gen_project")

__all__ = ["HOOKS_DIR", "load_hook", "post_gen_project", "pre_gen_project"]
