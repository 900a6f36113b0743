"""The type-ahead pickers of recipients and devices (see vftops/core/picker.py), for the
forms of every module that chooses one: what the page preloads, and the lookups."""

from __future__ import annotations

from flask import url_for

from vftops.core.forms import choices
from vftops.core.inputs import fits
from vftops.core.picker import LOOKUP_LIMIT, PRELOAD, narrowing, picker
from vftops.equipment import queries
from vftops.equipment.models import Device, Recipient
from vftops.extensions import db


def recipient_label(recipient: Recipient) -> str:
    """A name and where they live: three «Arne Moen» are three different addresses."""
    return f"{recipient.name}, {recipient.address}" if recipient.address else recipient.name


def device_label(device: Device) -> str:
    return f"{device.serial_number} – {device.product.name}"


def recipient_picker(field, user, empty_label: str, *, municipality_ids=None) -> None:
    """Fill a recipient select: the first PRELOAD by name (narrowed by what a user without
    JavaScript typed), the chosen one always among them, and the lookup for the rest."""
    wanted = sorted(municipality_ids) if municipality_ids is not None else None
    stmt = queries.recipients_for(user, q=narrowing(field.name) or None, by_address=True)
    if wanted is not None:
        stmt = stmt.where(Recipient.municipality_id.in_(wanted))
    rows = list(
        db.session.scalars(
            stmt.order_by(Recipient.name, Recipient.address, Recipient.id).limit(PRELOAD + 1)
        )
    )
    more = len(rows) > PRELOAD or bool(narrowing(field.name))
    rows = rows[:PRELOAD]
    chosen = field.data if isinstance(field.data, int) and fits(field.data) else None
    if chosen is not None and chosen not in {r.id for r in rows}:
        found = db.session.scalars(
            queries.recipients_for(user).where(Recipient.id == chosen)
        ).first()
        if found is not None and (wanted is None or found.municipality_id in wanted):
            rows.insert(0, found)
    field.choices = choices([("", empty_label)] + [(r.id, recipient_label(r)) for r in rows])
    # No municipality to look in (a store serving none of the user's): no lookup at all.
    lookup = (
        None
        if wanted == []
        else url_for("equipment.recipient_lookup", municipality_id=wanted or [])
    )
    picker(field, lookup, more=more)


def device_picker(field, user, first: tuple[str, str], *, status: str, municipality_id) -> None:
    """Fill a device select with the first PRELOAD of that status by serial, the chosen one
    among them, and the lookup (by serial) for the rest."""
    stmt = queries.devices_for(
        user,
        serial=narrowing(field.name) or None,
        status=status,
        municipality_id=municipality_id,
    )
    rows = list(db.session.scalars(stmt.order_by(Device.serial_number).limit(PRELOAD + 1)))
    more = len(rows) > PRELOAD or bool(narrowing(field.name))
    rows = rows[:PRELOAD]
    chosen = field.data if isinstance(field.data, int) and fits(field.data) else None
    if chosen is not None and chosen not in {d.id for d in rows}:
        found = db.session.scalars(
            queries.devices_for(user, status=status, municipality_id=municipality_id).where(
                Device.id == chosen
            )
        ).first()
        if found is not None:
            rows.insert(0, found)
    field.choices = choices([first] + [(d.id, device_label(d)) for d in rows])
    picker(
        field,
        url_for("equipment.device_lookup", status=status, municipality_id=municipality_id),
        more=more,
    )


def lookup_recipients(user, q: str, municipality_ids: list[int]):
    stmt = queries.recipients_for(user, q=q or None, by_address=True)
    if municipality_ids:
        stmt = stmt.where(Recipient.municipality_id.in_(municipality_ids))
    return db.session.scalars(
        stmt.order_by(Recipient.name, Recipient.address, Recipient.id).limit(LOOKUP_LIMIT)
    )


def lookup_devices(user, q: str, status: str | None, municipality_id: int | None):
    stmt = queries.devices_for(
        user, serial=q or None, status=status, municipality_id=municipality_id
    )
    return db.session.scalars(stmt.order_by(Device.serial_number).limit(LOOKUP_LIMIT))
