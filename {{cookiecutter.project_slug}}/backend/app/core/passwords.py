"""What makes a new password acceptable: long enough, and not one that guessers try first.

zxcvbn (Dropbox's estimator) knows 30,000 common passwords, English words, names, keyboard
patterns, repeats, sequences and dates, all shipped inside the package; a password it scores
below 3 of 4 ("safely unguessable: moderate protection from offline attack") is refused.
"""

from typing import Annotated

from pydantic import AfterValidator, Field
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3
# zxcvbn's time grows fast with length; a password this long is past guessing anyway.
SCORED_PREFIX = 64


def password_problem(password: str) -> str | None:
    """Why `password` may not be used, or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must have at most {MAX_LENGTH} characters"
    if zxcvbn(password[:SCORED_PREFIX])["score"] < MIN_SCORE:
        return "is too common or too easy to guess; choose another"
    return None


def _checked(password: str) -> str:
    if (problem := password_problem(password)) is not None:
        raise ValueError(f"this password {problem}")
    return password


# A password being set (new, reset or created): checked. Entered ones are only bounded.
NewPassword = Annotated[
    str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH), AfterValidator(_checked)
]
EnteredPassword = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]
