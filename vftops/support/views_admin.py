"""Support pages: views_admin."""

from __future__ import annotations

from vftops.support.views import bp  # noqa: F401
