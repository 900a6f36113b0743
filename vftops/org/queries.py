"""Read side of the organisation: scoped lists, unit trees."""

from __future__ import annotations

from sqlalchemy import func, select

from vftops.core.scope import municipality_ids, scoped
from vftops.extensions import db
from vftops.org.models import Membership, Municipality, Unit


def municipalities_for(user):
    """The user's municipalities with their unit and member counts (one query)."""
    unit_count = (
        select(func.count(Unit.id)).where(Unit.municipality_id == Municipality.id).scalar_subquery()
    )
    member_count = (
        select(func.count(Membership.id))
        .where(Membership.municipality_id == Municipality.id)
        .scalar_subquery()
    )
    stmt = scoped(
        select(Municipality, unit_count.label("units"), member_count.label("members")),
        Municipality,
        user,
    ).order_by(Municipality.name)
    return db.session.execute(stmt).all()


def unit_tree(municipality_id: int) -> list[tuple[int, Unit]]:
    """All units of a municipality in tree order as (depth, unit); one query."""
    units = db.session.scalars(
        select(Unit).where(Unit.municipality_id == municipality_id).order_by(Unit.name)
    ).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    result: list[tuple[int, Unit]] = []

    def walk(parent_id, depth):
        for unit in children.get(parent_id, []):
            result.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return result


def my_municipalities(user, _now) -> list[Municipality]:
    """The start page: the municipalities the user is a member of, by name."""
    return db.session.scalars(
        scoped(select(Municipality), Municipality, user).order_by(Municipality.name)
    ).all()


def without_municipality(user, _now) -> bool:
    """The start page warns a user who is a member of no municipality: they see nothing."""
    return not municipality_ids(user)
