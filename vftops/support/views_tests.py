"""Support pages: views_tests."""

from __future__ import annotations

from vftops.support.views import bp  # noqa: F401
