"""Acting on equipment from a ticket: replacing, repairing and planning a visit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.errors import ValidationError
from vftops.core.validation import text_or_none
from vftops.equipment.models import Device, Placement
from vftops.extensions import db
from vftops.support.models import (
    EntryKind,
    Ticket,
)

from .common import log_line, name_of

# --- acting on equipment from a ticket ----------------------------------------------


def _link_device(ticket: Ticket, device: Device) -> None:
    if device not in ticket.devices:
        ticket.devices.append(device)


@operation
def replace_from_ticket(
    actor,
    ticket: Ticket,
    placement: Placement,
    replacement: Device,
    *,
    destination: str = "repair",
    store=None,
    note: str | None = None,
) -> Placement:
    """Swap a faulty device at the recipient (the equipment register's replace), on the ticket."""
    from vftops.equipment import operations as equipment

    if placement.municipality_id != ticket.municipality_id:
        message = _l("The device belongs to another municipality than the ticket.")
        raise ValidationError(message, fields={"placement_id": [message]})
    old = placement.device
    new_placement = equipment.replace_device(
        actor,
        placement,
        replacement,
        destination=destination,
        store=store,
        note=text_or_none(note) or f"Sak #{ticket.id}",
    )
    _link_device(ticket, old)
    _link_device(ticket, replacement)
    if ticket.recipient_id is None:
        ticket.recipient_id = placement.recipient_id
    where = {"repair": "til reparasjon", "store": "til lager", "scrap": "kassert"}
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Byttet {old.serial_number} med {replacement.serial_number}"
        f" ({old.serial_number} {where.get(destination, destination)})",
        event="replaced",
        params={"old": old.serial_number, "new": replacement.serial_number, "to": destination},
    )
    audit.record(
        actor,
        "ticket.replace",
        ticket,
        f"Sak #{ticket.id}: {old.serial_number} byttet med {replacement.serial_number}",
        municipality_id=ticket.municipality_id,
    )
    return new_placement


@operation
def repair_from_ticket(actor, ticket: Ticket, device: Device, *, note: str | None = None):
    """Send a device that is in a store to the supplier for repair, on the ticket."""
    from vftops.equipment import operations as equipment

    if device.municipality_id != ticket.municipality_id:
        message = _l("The device belongs to another municipality than the ticket.")
        raise ValidationError(message, fields={"device_id": [message]})
    movement = equipment.change_status(
        actor, device, "in_repair", reason=text_or_none(note) or f"Sak #{ticket.id}"
    )
    _link_device(ticket, device)
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"{device.serial_number} sendt til reparasjon",
        event="sent_to_repair",
        params={"serial": device.serial_number},
    )
    audit.record(
        actor,
        "ticket.repair",
        ticket,
        f"Sak #{ticket.id}: {device.serial_number} sendt til reparasjon",
        municipality_id=ticket.municipality_id,
    )
    return movement


@operation
def plan_visit_from_ticket(
    actor,
    ticket: Ticket,
    *,
    assigned_to,
    planned_on,
    kind: str = "replace",
    device: Device | None = None,
    note: str | None = None,
):
    """A visit at the ticket's recipient for a technician: shows in «Mine oppdrag i dag»."""
    from vftops.equipment import operations as equipment

    if ticket.recipient is None:
        message = _l("The ticket has no recipient to visit.")
        raise ValidationError(message, fields={"recipient_id": [message]})
    placement = None
    if device is not None:
        placement = db.session.scalar(
            select(Placement).where(
                Placement.device_id == device.id,
                Placement.recipient_id == ticket.recipient_id,
                Placement.returned_at.is_(None),
            )
        )
    visit = equipment.plan_visit(
        actor,
        ticket.recipient,
        kind=kind,
        assigned_to=assigned_to,
        planned_on=planned_on,
        device=device if placement is None else None,
        placement=placement,
        note=text_or_none(note) or f"Sak #{ticket.id}: {ticket.title}",
    )
    visit.ticket_id = ticket.id
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Besøk planlagt {planned_on:%d.%m.%Y} for {name_of(assigned_to)}",
        event="visit_planned",
        params={"on": planned_on.isoformat(), "for": name_of(assigned_to)},
    )
    return visit
