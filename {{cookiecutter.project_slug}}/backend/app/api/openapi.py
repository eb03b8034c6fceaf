"""The HTTP API's OpenAPI document as a generated client is made from: whole, or in parts by tag.

An optional part of the API (its own tag) can be cut out into a document of its own, so that a
client generated from the rest is the same whether that part is there or not. Each document keeps
the schemas its operations use, and nothing else; its `info` names no project.

`python -m app.api.openapi` prints the whole document; `--only TAG` the operations tagged TAG;
`--without TAG` (repeated at will) the others. `--only` a tag no operation has exits with 3.
"""

import argparse
import copy
import json
import re
import sys
from collections import Counter
from collections.abc import Collection, Iterator
from typing import Any

from app.main import app

SCHEMAS = "#/components/schemas/"


def _refs(value: Any) -> Iterator[str]:
    """The names of the schemas that `value` (a part of the document) refers to."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            yield ref.removeprefix(SCHEMAS)
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _short_ids(paths: dict[str, dict[str, Any]]) -> None:
    """FastAPI names each operation `{function}{path}_{method}`, with `_` for what is not a
    letter or a digit: the function's name alone, where no other operation has it, is what a
    generated client names the operation after."""
    short = {}
    for path, item in paths.items():
        for method, operation in item.items():
            suffix = re.sub(r"\W", "_", path) + f"_{method}"
            long = operation["operationId"]
            if long.endswith(suffix) and len(long) > len(suffix):
                short[long] = long.removesuffix(suffix)
    taken = Counter(short.values())
    for item in paths.values():
        for operation in item.values():
            name = short.get(operation["operationId"])
            if name is not None and taken[name] == 1:
                operation["operationId"] = name


def tags() -> set[str]:
    """Every tag an operation of the API has."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {tag for item in paths.values() for op in item.values() for tag in op.get("tags", [])}


def document(only: str | None = None, without: Collection[str] = ()) -> dict[str, Any]:
    """The operations tagged `only` (every one when None) and tagged none of `without`."""
    whole = copy.deepcopy(app.openapi())

    def kept(operation: dict[str, Any]) -> bool:
        names = set(operation.get("tags", []))
        return (only is None or only in names) and not names & set(without)

    paths: dict[str, dict[str, Any]] = {}
    for path, item in whole["paths"].items():
        operations = {method: op for method, op in item.items() if kept(op)}
        if operations:
            paths[path] = operations
    _short_ids(paths)
    # The schemas the operations use, and those these use in turn.
    available = whole.get("components", {}).get("schemas", {})
    used: set[str] = set()
    pending = list(_refs(paths))
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending.extend(_refs(available[name]))
    return {
        "openapi": whole["openapi"],
        "info": {"title": "API", "version": whole["info"]["version"]},
        "paths": paths,
        "components": {"schemas": {name: available[name] for name in sorted(used)}},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", metavar="TAG", help="the operations tagged TAG")
    parser.add_argument(
        "--without", metavar="TAG", action="append", default=[], help="leave out the tag TAG"
    )
    args = parser.parse_args(argv)
    if args.only is not None and args.only not in tags():
        print(f"No operation is tagged {args.only!r}.", file=sys.stderr)
        return 3
    print(json.dumps(document(args.only, args.without), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
