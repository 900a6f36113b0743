"""An alert as the daily digest and the in-app alert page show it (each module builds
its own: stock's stores, support's tickets and tests; `templates/macros/alerts.html`
renders them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One line of the digest: what to say and which page it points to."""

    kind: str
    text: str
    endpoint: str
    values: dict
