"""What every ticket operation shares: the status names, the work-log line and the checks of
people and teams."""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l

from vftops.core.errors import ValidationError
from vftops.core.models import utcnow
from vftops.extensions import db
from vftops.support.models import (
    Team,
    Ticket,
    TicketEntry,
    TicketStatus,
)
from vftops.support.permissions import TICKETS_MANAGE

log = logging.getLogger(__name__)

S = TicketStatus

# The work log is stored text, read by Norwegian colleagues and auditors alike.
LOG_STATUS = {
    S.NEW: "ny",
    S.ACKNOWLEDGED: "kvittert",
    S.IN_PROGRESS: "under arbeid",
    S.WAITING_REPORTER: "venter på melder",
    S.WAITING_SUPPLIER: "venter på leverandør",
    S.RESOLVED: "løst",
    S.CLOSED: "lukket",
}


# --- helpers --------------------------------------------------------------------------


def choice(value, allowed, field: str, message, fields: dict) -> str | None:
    if value in {a.value for a in allowed}:
        return value
    fields[field] = [message]
    return None


def log_line(
    actor,
    ticket: Ticket,
    kind: str,
    body: str,
    at: datetime | None = None,
    *,
    event: str | None = None,
    params: dict | None = None,
) -> TicketEntry:
    """A line in the ticket's work log (the caller audits the change it belongs to). `body`
    is the line in Bokmål, kept as written; `event` and `params` say what happened as a
    code and values, for the page to show in the reader's language (`support.worklog`)."""
    entry = TicketEntry(
        ticket_id=ticket.id,
        author_id=actor.id if actor is not None else None,
        kind=kind,
        body=body,
        event=event,
        params=params,
        at=at or utcnow(),
    )
    db.session.add(entry)
    return entry


def check_assignee(user, municipality_id: int, field: str = "assignee_id") -> None:
    from vftops.core.scope import municipality_ids

    if user is None:
        return
    if not user.is_active_user or not user.can(TICKETS_MANAGE):
        message = _l("Choose someone who handles tickets.")
        raise ValidationError(message, fields={field: [message]})
    if municipality_id not in municipality_ids(user):
        message = _l("That person does not work in the ticket's municipality.")
        raise ValidationError(message, fields={field: [message]})


def check_team(team: Team | None, municipality_id: int, field: str = "team_id") -> None:
    if team is None:
        return
    if team.municipality_id != municipality_id or not team.is_active:
        message = _l("Choose an active team of the ticket's municipality.")
        raise ValidationError(message, fields={field: [message]})


def check_system(system, municipality_id: int, field: str = "system_id") -> None:
    """A system of the register that the ticket's municipality uses (and not retired)."""
    if system is None:
        return
    if municipality_id not in system.served_municipality_ids or system.status == "retired":
        message = _l("Choose a system the ticket's municipality uses.")
        raise ValidationError(message, fields={field: [message]})


def name_of(user) -> str:
    if user is None:
        return "vftops"
    return user.full_name or user.username
