"""Reads of the systems register for the modules built on it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.scope import scoped
from vftops.extensions import db
from vftops.systems.models import ItSystem, SystemStatus


def systems_in_use(user, current: ItSystem | None = None) -> list[ItSystem]:
    """The systems the user's municipalities use, by name (a form's choices); `current`
    (e.g. a ticket's retired system) stays among them."""
    stmt = (
        scoped(select(ItSystem), ItSystem, user)
        .where(ItSystem.status != SystemStatus.RETIRED.value)
        .options(selectinload(ItSystem.shared_with), joinedload(ItSystem.municipality))
        .order_by(ItSystem.name, ItSystem.id)
    )
    systems = list(db.session.scalars(stmt))
    if current is not None and current not in systems:
        systems.append(current)
    return systems


def system_pairs(user, blank, current: ItSystem | None = None) -> list[tuple]:
    """(id, name) choices, the blank first; a name used by two municipalities' systems
    says whose."""
    systems = systems_in_use(user, current)
    names = [s.name.casefold() for s in systems]
    pairs = [("", blank)]
    for system in systems:
        label = system.name
        if names.count(system.name.casefold()) > 1:
            label = f"{system.name} ({system.municipality.name})"
        pairs.append((system.id, label))
    return pairs
