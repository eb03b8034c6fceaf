"""The baked project's prose reads whole in every combination: no sentence that starts midway or
trails off where an option's text was taken out, no gap or stray punctuation left behind.

The trace checks (test_features.py) find the words of a feature that is off; this finds the
holes its removal may leave in the sentences around them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.combinations import SUPPORTED, Combination, combination_id
from tests.conftest import BakedProjects

# A paragraph, list item or sentence starts like this: a capital, a number, code, a link, a quote,
# emphasis, or a parenthesis.
STARTS_WELL = re.compile(r"""^([A-Z0-9`\["'*(_]|\.[a-z]|https?://)""")
# Punctuation that only a hole leaves: a space before a full stop or comma, doubled commas or
# stops, empty brackets, a comma or conjunction right before the end of a sentence.
HOLES = re.compile(
    r"(\w \.(\s|$)| ,|,,|(?<!\.)\.\.(?!\.)|\(\s*\)|\[\s*\]|, *\.(?!\.)|\b(and|or|with|of|the|a|to|by)\.$|:\s*\.)"
)
# A sentence ends before a capital (or the paragraph's end); abbreviations are few in these pages.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def prose_pages(project: Path) -> list[Path]:
    return [project / "README.md", *sorted((project / "docs").glob("*.md"))]


def blocks(markdown: str) -> list[str]:
    """The paragraphs and list items of a page, each on one line, without code, tables,
    headings or HTML."""
    text = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    found: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            found.append(" ".join(current))
            current.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "|", "<", "---")):
            flush()
            continue
        item = re.match(r"^([-*]|\d+\.)\s+(.*)$", line)
        if item:
            flush()
            current.append(item.group(2))
        else:
            current.append(line)
    flush()
    return found


def problems_of(markdown: str) -> list[str]:
    found = []
    for block in blocks(markdown):
        plain = re.sub(r"`[^`]*`", "`code`", block)
        plain = re.sub(r"\]\([^)]*\)", "]", plain)  # link targets
        if not STARTS_WELL.match(plain):
            found.append(f"starts midway: {block[:100]!r}")
        for sentence in SENTENCE_END.split(plain):
            if HOLES.search(sentence):
                found.append(f"a hole in: {sentence[:120]!r}")
        if "  " in plain:
            found.append(f"a double space in: {block[:100]!r}")
    return found


def test_the_checks_catch_what_a_removed_option_leaves() -> None:
    assert problems_of("Forgotten passwords are reset by mail.\n\n- `scripts/run.sh` serves it.") == []
    assert problems_of("besides the password. Forgotten passwords are reset.")
    assert problems_of("Sign in with a password , or a code.")
    assert problems_of("Sign in with a password or .")
    assert problems_of("The tests use  PostgreSQL.")
    assert problems_of("Services: () and more.")
    assert problems_of("It needs Redis and.")


@pytest.mark.parametrize("combination", SUPPORTED, ids=combination_id)
def test_every_page_reads_whole(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    found = [
        f"{page.relative_to(project)}: {problem}"
        for page in prose_pages(project)
        for problem in problems_of(page.read_text(encoding="utf-8"))
    ]
    assert found == []
