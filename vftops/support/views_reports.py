"""Support pages: views_reports."""

from __future__ import annotations

from vftops.support.views import bp  # noqa: F401
