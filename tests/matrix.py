"""One row of the permission matrix (tests/core/test_permission_matrix.py)."""

from __future__ import annotations

from dataclasses import dataclass

from vftops.core.permissions import Permission


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    # None: any logged-in user; a tuple: any one of them (a page of `@require_any`).
    permission: Permission | tuple[Permission, ...] | None
    # Form fields (pages) or JSON (API) for a valid request; bytes: an API method that
    # takes a file as its body (a PDF).
    body: dict | bytes | None = None
    form_page: str | None = None  # page that carries the CSRF token for a page POST
    # Does another municipality's id in the path (or body) answer 404? None: derived
    # from the path. Catalogue rows (products, suppliers) belong to no municipality.
    scoped: bool | None = None

    @property
    def is_scoped(self) -> bool:
        return "{" in self.path if self.scoped is None else self.scoped

    @property
    def permissions(self) -> tuple[Permission, ...]:
        if self.permission is None:
            return ()
        return self.permission if isinstance(self.permission, tuple) else (self.permission,)

    @property
    def fields(self) -> dict:
        """The body's fields: none for a file sent as the body."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"
