"""Validate the answers before anything is written.

Each check returns a message saying what is wrong and what to type instead, or None.
The module is importable without rendering, so the template's tests call the checks directly.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from collections.abc import Callable, Mapping

# Rendered by cookiecutter; a plain string constant when the module is imported by tests.
RENDERED_CONTEXT = r"""{{ cookiecutter | tojson }}"""

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Names of packages inside the baked project: a project folder of the same name would shadow them.
RESERVED_SLUGS = frozenset({"app", "tests", "test"})
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

Check = Callable[[Mapping[str, str]], "str | None"]


def _slug_accepted(slug: str) -> bool:
    return bool(SLUG_PATTERN.match(slug)) and not keyword.iskeyword(slug) and slug not in RESERVED_SLUGS


def suggest_slug(slug: str) -> str:
    """A slug close to the refused one that check_slug accepts."""
    suggestion = re.sub(r"[^a-z0-9_]+", "_", slug.lower()).strip("_")
    if suggestion and not suggestion[0].isalpha():
        suggestion = f"app_{suggestion}"
    if not suggestion:
        suggestion = "app"
    return suggestion if _slug_accepted(suggestion) else f"{suggestion}_project"


def check_slug(context: Mapping[str, str]) -> str | None:
    slug = context["project_slug"]
    if not SLUG_PATTERN.match(slug) or keyword.iskeyword(slug):
        reason = "is a Python keyword" if keyword.iskeyword(slug) else "is not a valid lowercase Python identifier"
        return (
            f"project_slug {slug!r} {reason} "
            f"(letters, digits and underscores, starting with a letter); "
            f"try project_slug={suggest_slug(slug)!r}."
        )
    if slug in RESERVED_SLUGS:
        return (
            f"project_slug {slug!r} clashes with a package inside the project; try project_slug={suggest_slug(slug)!r}."
        )
    return None


def _check_email(field: str, context: Mapping[str, str]) -> str | None:
    email = context[field]
    if not EMAIL_PATTERN.match(email):
        return f"{field} {email!r} does not look like an email address; type one like {field}='admin@example.com'."
    return None


def check_author_email(context: Mapping[str, str]) -> str | None:
    return _check_email("author_email", context)


def check_first_superuser_email(context: Mapping[str, str]) -> str | None:
    return _check_email("first_superuser_email", context)


def _domain_accepted(domain: str) -> bool:
    labels = domain.split(".")
    return (
        domain == domain.lower()
        and len(domain) <= 253
        and len(labels) >= 2
        and all(DOMAIN_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )


def suggest_domain(domain: str) -> str:
    """The host name inside a URL-like answer, when it is one check_domain accepts; else example.com."""
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain.strip().lower()).split("/")[0]
    bare = bare.rsplit("@", 1)[-1].split(":")[0].rstrip(".")
    return bare if _domain_accepted(bare) else "example.com"


def check_domain(context: Mapping[str, str]) -> str | None:
    domain = context["domain"]
    if not _domain_accepted(domain):
        return (
            f"domain {domain!r} is not a bare lowercase host name with a dot; "
            f"type it without scheme, port or path, like domain={suggest_domain(domain)!r}."
        )
    return None


# Free-text answers the template writes inside double-quoted strings (Python, TOML, .env).
QUOTED_TEXT_FIELDS = ("project_name", "description", "author_name")


def suggest_text(text: str) -> str:
    """The text with double quotes made single, backslashes made slashes, on one line."""
    replaced = text.replace('"', "'").replace("\\", "/")
    return " ".join("".join(char if char.isprintable() else " " for char in replaced).split())


def _check_quoted(field: str, context: Mapping[str, str]) -> str | None:
    text = context[field]
    if '"' in text or "\\" in text or not text.isprintable():
        return (
            f"{field} {text!r} has a double quote, a backslash or a control character (such as a line break), "
            f"which would break the quoted strings it is written into; try {field}={suggest_text(text)!r}."
        )
    return None


def check_project_name(context: Mapping[str, str]) -> str | None:
    return _check_quoted("project_name", context)


def check_description(context: Mapping[str, str]) -> str | None:
    return _check_quoted("description", context)


def check_author_name(context: Mapping[str, str]) -> str | None:
    return _check_quoted("author_name", context)


# Combinations that cannot work together: (option, value) pairs that exclude each other.
UNSUPPORTED_COMBINATIONS: list[tuple[dict[str, str], str]] = [
    (
        {"frontend": "react", "use_websockets": "no"},
        "frontend='react' is a client of the websocket session layer (its session page); "
        "with use_websockets='no' type frontend='none' (or use_websockets='yes').",
    ),
    (
        {"use_websockets": "no", "realtime_broker": "redis"},
        "realtime_broker='redis' serves the rooms of the websocket session layer; "
        "with use_websockets='no' type realtime_broker='memory' (or use_websockets='yes').",
    ),
]


def combination_problems(context: Mapping[str, str]) -> list[str]:
    """Every unsupported pair among the answers."""
    return [
        reason
        for combination, reason in UNSUPPORTED_COMBINATIONS
        if all(context.get(option) == value for option, value in combination.items())
    ]


def check_combinations(context: Mapping[str, str]) -> str | None:
    found = combination_problems(context)
    return found[0] if found else None


CHECKS: list[Check] = [
    check_slug,
    check_author_email,
    check_domain,
    check_first_superuser_email,
    check_project_name,
    check_description,
    check_author_name,
]


def problems(context: Mapping[str, str]) -> list[str]:
    """Every problem with the answers, each once."""
    found = [message for check in CHECKS if (message := check(context)) is not None]
    return found + combination_problems(context)


def main() -> int:
    found = problems(json.loads(RENDERED_CONTEXT))
    for message in found:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
