"""The only code that changes municipalities and units."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.scope import forget_scope
from vftops.extensions import db
from vftops.org.models import Membership, Municipality, Unit, UnitKind

NUMBER_RE = re.compile(r"^\d{4}$")
MUNICIPALITY_FIELDS = ("name", "number", "is_active")
UNIT_FIELDS = ("name", "kind", "parent_id", "is_active")


def _clean_municipality(name: str, number: str, exclude_id: int | None = None):
    name = (name or "").strip()
    number = (number or "").strip()
    fields = {}
    if not name:
        fields["name"] = [_l("Enter the municipality's name.")]
    if not NUMBER_RE.match(number):
        fields["number"] = [_l("The municipality number has exactly four digits, e.g. 5035.")]
    if fields:
        raise ValidationError(next(iter(fields.values()))[0], fields=fields)
    stmt = select(Municipality).where(Municipality.number == number)
    if exclude_id is not None:
        stmt = stmt.where(Municipality.id != exclude_id)
    if db.session.scalars(stmt).first() is not None:
        message = _l("Municipality number %(number)s is already registered.", number=number)
        raise ConflictError(message, fields={"number": [message]})
    return name, number


@operation
def create_municipality(actor, *, name: str, number: str) -> Municipality:
    """Register a municipality. The creator becomes a member, so they can see it."""
    name, number = _clean_municipality(name, number)
    municipality = Municipality(name=name, number=number)
    db.session.add(municipality)
    db.session.flush()
    if actor is not None:
        db.session.add(Membership(user_id=actor.id, municipality_id=municipality.id))
        forget_scope()
    audit.record(
        actor,
        "municipality.create",
        municipality,
        f"Kommune {municipality} opprettet",
        changes=audit.diff({}, audit.snapshot(municipality, MUNICIPALITY_FIELDS)),
        municipality_id=municipality.id,
    )
    return municipality


@operation
def update_municipality(
    actor,
    municipality: Municipality,
    *,
    name: str,
    number: str,
    is_active: bool = True,
    expected_version: int | None = None,
) -> Municipality:
    check_version(municipality, expected_version)
    before = audit.snapshot(municipality, MUNICIPALITY_FIELDS)
    name, number = _clean_municipality(name, number, exclude_id=municipality.id)
    municipality.name = name
    municipality.number = number
    municipality.is_active = bool(is_active)
    changes = audit.diff(before, audit.snapshot(municipality, MUNICIPALITY_FIELDS))
    if changes:
        audit.record(
            actor,
            "municipality.update",
            municipality,
            f"Kommune {municipality} endret",
            changes=changes,
            municipality_id=municipality.id,
        )
    return municipality


def _clean_unit(municipality_id: int, name: str, kind: str, parent_id: int | None, unit_id=None):
    name = (name or "").strip()
    fields = {}
    if not name:
        fields["name"] = [_l("Enter the unit's name.")]
    if kind not in {k.value for k in UnitKind}:
        fields["kind"] = [_l("Choose a kind of unit.")]
    parent = None
    if parent_id:
        parent = db.session.get(Unit, int(parent_id))
        if parent is None or parent.municipality_id != municipality_id:
            fields["parent_id"] = [_l("The parent unit must belong to the same municipality.")]
        elif unit_id is not None:
            # Walk up from the new parent: meeting this unit would make a loop.
            node, seen = parent, set()
            while node is not None and node.id not in seen:
                if node.id == unit_id:
                    fields["parent_id"] = [_l("A unit cannot be placed under itself.")]
                    break
                seen.add(node.id)
                node = node.parent
    if not fields:
        sibling = select(Unit.id).where(
            Unit.municipality_id == municipality_id,
            Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id,
            func.lower(Unit.name) == name.lower(),
        )
        if unit_id is not None:
            sibling = sibling.where(Unit.id != unit_id)
        if db.session.scalar(sibling) is not None:
            fields["name"] = [_l("There is already a unit with this name at this place.")]
    if fields:
        raise ValidationError(next(iter(fields.values()))[0], fields=fields)
    return name, kind, parent


@operation
def create_unit(
    actor, municipality: Municipality, *, name: str, kind: str, parent_id: int | None = None
) -> Unit:
    name, kind, parent = _clean_unit(municipality.id, name, kind, parent_id)
    unit = Unit(municipality_id=municipality.id, name=name, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()  # parent_id and defaults get their values
    audit.record(
        actor,
        "unit.create",
        unit,
        f"Enhet {name} opprettet i {municipality.name}",
        changes=audit.diff({}, audit.snapshot(unit, UNIT_FIELDS)),
        municipality_id=municipality.id,
    )
    return unit


@operation
def update_unit(
    actor,
    unit: Unit,
    *,
    name: str,
    kind: str,
    parent_id: int | None,
    is_active: bool = True,
    expected_version: int | None = None,
) -> Unit:
    check_version(unit, expected_version)
    before = audit.snapshot(unit, UNIT_FIELDS)
    name, kind, parent = _clean_unit(unit.municipality_id, name, kind, parent_id, unit_id=unit.id)
    unit.name = name
    unit.kind = kind
    unit.parent = parent
    unit.is_active = bool(is_active)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    if changes:
        audit.record(
            actor,
            "unit.update",
            unit,
            f"Enhet {unit.name} endret",
            changes=changes,
            municipality_id=unit.municipality_id,
        )
    return unit
