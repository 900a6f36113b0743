"""Domain errors: operations raise them, views flash them, the API turns them into JSON.

Every message is a lazy translation, so it is rendered in the reader's language.
"""

from __future__ import annotations

from typing import Any


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
        self.fields = fields or {}
        # Safe to show the client (no internals): e.g. current status, allowed steps.
        self.details = details or {}


class ValidationError(DomainError):
    """The input breaks a rule (422)."""


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
