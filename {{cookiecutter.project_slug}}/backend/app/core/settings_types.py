"""Kinds of setting values, for every part of the settings (app.core.config and its mixins)."""

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_settings import NoDecode


def parse_list(value: Any) -> Any:
    """A comma-separated value of .env as a list."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(parse_list)]
