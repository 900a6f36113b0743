"""Support pages: views_actions."""

from __future__ import annotations

from vftops.support.views import bp  # noqa: F401
