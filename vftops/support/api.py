"""JSON API for support: tickets."""

from __future__ import annotations

blueprints: tuple = ()
