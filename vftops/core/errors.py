"""Domain errors: operations raise them, views flash them, the API turns them into JSON.

Every message is a lazy translation, so it is rendered in the reader's language.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from flask_babel import format_decimal as format_number
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the domain refused the change. Nothing has been written."""

    status = 422
    code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        fields: dict[str, list[Any]] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        # However long the input, a field names at most MAX_LISTED problems.
        self.fields = {
            key: capped(list(value) if isinstance(value, list | tuple) else [value])
            for key, value in (fields or {}).items()
        }
        # Safe to show the client (no internals): e.g. current status, allowed steps.
        self.details = details or {}

    def renamed(self, names: dict[str, str]) -> DomainError:
        """The same error with its fields named as the form or the API call names them,
        where the operation calls its argument otherwise."""
        self.fields = {names.get(key, key): value for key, value in self.fields.items()}
        return self


class ValidationError(DomainError):
    """The input breaks a rule (422)."""


class TooLargeError(ValidationError):
    """What was sent is larger than the limit (413)."""

    status = 413
    code = "too_large"


class ConflictError(DomainError):
    """The change conflicts with the current state, or someone else was faster (409)."""

    status = 409
    code = "conflict"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"


# --- long lists of problems -----------------------------------------------------------

# However long the input, an answer names at most this many problems, and counts the rest.
MAX_LISTED = 100


def more_message(count: int):
    return _l("… and %(count)s more.", count=format_number(count))


def capped(messages: list, total: int | None = None) -> list:
    """At most MAX_LISTED messages; when there are more, the last one says how many."""
    total = len(messages) if total is None else total
    if total <= MAX_LISTED and len(messages) <= MAX_LISTED:
        return list(messages)
    listed = list(messages[:MAX_LISTED])
    return [*listed, more_message(total - len(listed))]


class Problems:
    """Problems with the lines of one input, kept in line order: the first MAX_LISTED
    are kept, the rest only counted, so an input of any length answers in bounded
    time and size. Items are whatever the caller lists (messages, row problems)."""

    def __init__(self, limit: int = MAX_LISTED):
        self.limit = limit
        self.count = 0
        self._kept: list[tuple[int, int, Any]] = []

    def add(self, line: int, make: Callable[[], Any]) -> None:
        """Count a problem on `line`; `make()` builds what is listed, only if it is kept."""
        self.count += 1
        if len(self._kept) >= self.limit and line >= self._kept[-1][0]:
            return
        bisect.insort(self._kept, (line, self.count, make()), key=lambda k: k[:2])
        del self._kept[self.limit :]

    @property
    def listed(self) -> list:
        return [item for _line, _n, item in self._kept]

    @property
    def more(self) -> int:
        return self.count - len(self._kept)

    def messages(self) -> list:
        """The listed items as messages, the last saying how many more there are."""
        return capped(self.listed, self.count)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self):
        return iter(self.listed)
