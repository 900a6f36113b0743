"""Mass incidents: one parent ticket for many reports of the same fault."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.validation import invalid
from vftops.extensions import db
from vftops.support.models import (
    Channel,
    EntryKind,
    Level,
    ReporterKind,
    Ticket,
    TicketKind,
)

from .common import log_line
from .tickets import create_ticket

# --- mass incidents -----------------------------------------------------------------


@operation
def create_incident(
    actor,
    municipality_id: int,
    *,
    title: str | None,
    tickets: list[Ticket],
    description: str | None = None,
    kind: str = TicketKind.TECHNICAL_ALARM.value,
    at: datetime | None = None,
) -> Ticket:
    """A parent incident for many tickets at once (e.g. a mobile network outage)."""
    tickets = list(dict.fromkeys(tickets))
    if not tickets:
        message = _l("Choose the tickets the incident covers.")
        raise ValidationError(message, fields={"ticket_ids": [message]})
    impact = Level.HIGH.value
    incident = create_ticket(
        actor,
        municipality_id,
        title=title,
        kind=kind,
        channel=Channel.WEB.value if actor is not None else Channel.API.value,
        reporter_kind=ReporterKind.EMPLOYEE.value,
        description=description,
        urgency=max(
            (t.urgency for t in tickets),
            key=[Level.LOW, Level.MEDIUM, Level.HIGH].index,
        ),
        impact=impact,
        devices=[],
        at=at,
    )
    incident.is_incident = True
    link_to_incident(actor, incident, tickets)
    return incident


@operation
def link_to_incident(actor, incident: Ticket, tickets: list[Ticket]) -> Ticket:
    """Put tickets under an incident; resolving the incident resolves them."""
    if not incident.is_incident:
        raise ConflictError(_l("Tickets can only be linked to an incident."))
    if not incident.is_open:
        raise ConflictError(_l("The incident is no longer open."))
    fields: dict[str, list] = {}
    for ticket in tickets:
        if ticket.municipality_id != incident.municipality_id:
            fields["ticket_ids"] = [_l("A ticket belongs to another municipality.")]
        elif ticket.id == incident.id or ticket.is_incident:
            fields["ticket_ids"] = [_l("An incident cannot be linked to an incident.")]
        elif not ticket.is_open:
            fields["ticket_ids"] = [_l("Ticket #%(id)d is already resolved.", id=ticket.id)]
        elif ticket.parent_id is not None and ticket.parent_id != incident.id:
            # Moving it silently would leave the other incident thinking it still
            # resolves this ticket.
            fields["ticket_ids"] = [
                _l(
                    "Ticket #%(id)d is under incident #%(parent)d: take it out there first.",
                    id=ticket.id,
                    parent=ticket.parent_id,
                )
            ]
    if fields:
        raise invalid(fields)
    linked = []
    for ticket in tickets:
        if ticket.parent_id == incident.id:
            continue
        ticket.parent_id = incident.id
        linked.append(ticket.id)
        log_line(
            actor,
            ticket,
            EntryKind.EVENT,
            f"Koblet til hendelse #{incident.id}",
            event="linked",
            params={"incident": incident.id},
        )
    if linked:
        log_line(
            actor,
            incident,
            EntryKind.EVENT,
            f"{len(linked)} saker koblet til: " + ", ".join(f"#{i}" for i in linked),
            event="tickets_linked",
            params={"tickets": linked},
        )
        audit.record(
            actor,
            "ticket.link",
            incident,
            f"Hendelse #{incident.id}: {len(linked)} saker koblet til",
            changes={"children": {"before": None, "after": linked}},
            municipality_id=incident.municipality_id,
        )
    db.session.expire(incident, ["children"])
    return incident


@operation
def unlink_from_incident(actor, ticket: Ticket) -> Ticket:
    if ticket.parent_id is None:
        return ticket
    parent_id = ticket.parent_id
    ticket.parent_id = None
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Tatt ut av hendelse #{parent_id}",
        event="unlinked",
        params={"incident": parent_id},
    )
    audit.record(
        actor,
        "ticket.unlink",
        ticket,
        f"Sak #{ticket.id} tatt ut av hendelse #{parent_id}",
        municipality_id=ticket.municipality_id,
    )
    return ticket
