"""Small input helpers that operations share."""

from __future__ import annotations

from vftops.core.errors import ValidationError


def text_or_none(value, *, limit: int | None = None) -> str | None:
    """Trimmed text, or None for empty input; cut at `limit` characters."""
    if value is None:
        return None
    value = str(value).strip()
    if limit is not None:
        value = value[:limit]
    return value or None


def invalid(fields: dict[str, list], message=None) -> ValidationError:
    """A ValidationError naming each field in error; the message is the first one's."""
    first = next(iter(fields.values()))[0]
    return ValidationError(message or first, fields=fields)
