"""Read side of the organisation: scoped lists, unit trees."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from vftops.core.db import where_equal
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


def municipalities_of(user) -> list[Municipality]:
    """The municipalities the user is a member of, by name: the choices of a form."""
    return db.session.scalars(
        scoped(select(Municipality), Municipality, user).order_by(Municipality.name)
    ).all()


def my_municipalities(user, _now) -> list[Municipality]:
    """The start page: the municipalities the user is a member of, by name."""
    return municipalities_of(user)


def units_of(user, *, keep=()) -> list[Unit]:
    """Active units of the user's municipalities, and the inactive ones in `keep` (a
    person's own: saving their form must not drop them), by municipality and name."""
    return db.session.scalars(
        scoped(select(Unit), Unit, user)
        .where(or_(Unit.is_active.is_(True), Unit.id.in_(list(keep))))
        .order_by(Unit.municipality_id, Unit.name)
    ).all()


def municipality_list(user, *, q: str | None = None, number: str | None = None):
    """The API's list of the user's municipalities: a SELECT to page, filtered by part of
    the name and by number."""
    stmt = scoped(select(Municipality), Municipality, user)
    if q:
        needle = q.strip().lower()
        stmt = stmt.where(func.lower(Municipality.name).contains(needle, autoescape=True))
    if number:
        stmt = stmt.where(Municipality.number == number)
    return stmt


def unit_list(user, *, municipality_id=None, parent_id=None, kind=None, is_active=None):
    """The API's list of units in the user's municipalities: a SELECT to page."""
    stmt = where_equal(
        scoped(select(Unit), Unit, user),
        Unit,
        municipality_id=municipality_id,
        parent_id=parent_id,
        kind=kind,
    )
    if is_active is not None:
        stmt = stmt.where(Unit.is_active.is_(is_active))
    return stmt


def without_municipality(user, _now) -> bool:
    """The start page warns a user who is a member of no municipality: they see nothing."""
    return not municipality_ids(user)
