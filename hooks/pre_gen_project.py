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
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

Check = Callable[[Mapping[str, str]], "str | None"]


def check_slug(context: Mapping[str, str]) -> str | None:
    slug = context["project_slug"]
    if not SLUG_PATTERN.match(slug) or keyword.iskeyword(slug):
        suggestion = re.sub(r"[^a-z0-9_]+", "_", slug.lower()).strip("_")
        if not suggestion or not suggestion[0].isalpha():
            suggestion = f"app_{suggestion}".rstrip("_")
        return (
            f"project_slug {slug!r} is not a valid lowercase Python identifier "
            f"(letters, digits and underscores, starting with a letter); "
            f"try project_slug={suggestion!r}."
        )
    if slug in {"app", "tests", "test"}:
        return f"project_slug {slug!r} clashes with a package inside the project; try project_slug='{slug}_project'."
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


def check_domain(context: Mapping[str, str]) -> str | None:
    domain = context["domain"]
    labels = domain.split(".")
    if (
        domain != domain.lower()
        or len(domain) > 253
        or len(labels) < 2
        or not all(DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        bare = re.sub(r"^[a-z]+://", "", domain.strip().lower()).split("/")[0]
        return (
            f"domain {domain!r} is not a bare lowercase host name; "
            f"type it without scheme or path, like domain={bare or 'example.com'!r}."
        )
    return None


# Combinations that cannot work together: (option, value) pairs that exclude each other.
UNSUPPORTED_COMBINATIONS: list[tuple[dict[str, str], str]] = []


def check_combinations(context: Mapping[str, str]) -> str | None:
    for combination, reason in UNSUPPORTED_COMBINATIONS:
        if all(context.get(option) == value for option, value in combination.items()):
            return reason
    return None


CHECKS: list[Check] = [
    check_slug,
    check_author_email,
    check_domain,
    check_first_superuser_email,
    check_combinations,
]


def problems(context: Mapping[str, str]) -> list[str]:
    return [message for check in CHECKS if (message := check(context)) is not None]


def main() -> int:
    found = problems(json.loads(RENDERED_CONTEXT))
    for message in found:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
