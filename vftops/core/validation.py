"""Small input helpers that operations share."""

from __future__ import annotations

import re

from vftops.core.errors import ValidationError

_DIGITS = re.compile(r"[0-9]+")


def digits(text) -> bool:
    """Only the digits 0–9, at least one. (str.isdigit() also takes «²» and «٣», which
    int() then refuses or reads as another number.)"""
    return isinstance(text, str) and _DIGITS.fullmatch(text) is not None


def text_or_none(value) -> str | None:
    """Trimmed text, or None for empty input. Never cut: text longer than its column
    is refused when it is written, naming the field (`vftops.core.db`)."""
    if value is None:
        return None
    return str(value).strip() or None


def invalid(fields: dict[str, list], message=None) -> ValidationError:
    """A ValidationError naming each field in error; the message is the first one's."""
    first = next(iter(fields.values()))[0]
    return ValidationError(message or first, fields=fields)
