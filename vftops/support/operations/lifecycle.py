"""A ticket's life: acknowledging, assigning, changing status, work-log entries and edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.privacy import redact
from vftops.core.validation import invalid, text_or_none
from vftops.extensions import db
from vftops.support import sla
from vftops.support.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    STATUS_LABELS,
    TRANSITIONS,
    WAITING_STATUSES,
    EntryKind,
    Level,
    Team,
    Ticket,
    TicketEntry,
)

from .common import (
    LOG_STATUS,
    S,
    check_assignee,
    check_system,
    check_team,
    choice,
    log_line,
    name_of,
)
from .settings import business_hours, deadlines, priority_for

# --- acknowledging, assigning, the lifecycle -------------------------------------------


def _mark_acknowledged(actor, ticket: Ticket, now: datetime) -> None:
    ticket.acknowledged_at = now
    ticket.acknowledged_by_id = actor.id if actor is not None else None
    if ticket.assignee_id is None and actor is not None:
        ticket.assignee_id = actor.id
    if now > ticket.acknowledge_due_at and ticket.acknowledge_breached_at is None:
        ticket.acknowledge_breached_at = ticket.acknowledge_due_at


@operation
def acknowledge(actor, ticket: Ticket, *, at: datetime | None = None) -> Ticket:
    """«Kvitter»: I have seen it and own it. One wins a race; the other is told who."""
    if ticket.acknowledged_at is not None:
        raise already_acknowledged(ticket)
    if ticket.status != S.NEW:
        raise transition_error(ticket, S.ACKNOWLEDGED.value)
    check_assignee(actor, ticket.municipality_id, field="assignee_id")
    now = at or utcnow()
    # A conditional UPDATE: of two people clicking at once, the database lets one
    # through and the other's WHERE no longer matches (it waits for the first).
    values = {
        "status": S.ACKNOWLEDGED.value,
        "acknowledged_at": now,
        "acknowledged_by_id": actor.id,
        "assignee_id": ticket.assignee_id or actor.id,
        "updated_at": now,
        "version": Ticket.version + 1,
    }
    if now > ticket.acknowledge_due_at:
        values["acknowledge_breached_at"] = ticket.acknowledge_due_at
    result = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.acknowledged_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(ticket)
    if result.rowcount != 1:
        raise already_acknowledged(ticket)
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Kvittert av {name_of(actor)}",
        at=now,
        event="acknowledged",
    )
    audit.record(
        actor,
        "ticket.acknowledge",
        ticket,
        f"Sak #{ticket.id} kvittert av {actor.username}",
        changes={"status": {"before": S.NEW.value, "after": S.ACKNOWLEDGED.value}},
        municipality_id=ticket.municipality_id,
    )
    return ticket


def already_acknowledged(ticket: Ticket) -> ConflictError:
    who = ticket.acknowledged_by
    name = name_of(who) if who is not None else "vftops"
    return ConflictError(
        _l("%(name)s has already acknowledged this ticket and owns it.", name=name),
        details={
            "acknowledged_by": who.username if who is not None else None,
            "acknowledged_at": ticket.acknowledged_at.isoformat()
            if ticket.acknowledged_at
            else None,
        },
    )


def transition_error(ticket: Ticket, wanted: str) -> ConflictError:
    allowed = list(TRANSITIONS[ticket.status])
    return ConflictError(
        _l(
            "A ticket that is «%(current)s» cannot become «%(wanted)s». It can become: "
            "%(allowed)s.",
            current=STATUS_LABELS[S(ticket.status)],
            wanted=STATUS_LABELS[S(wanted)] if wanted in set(S) else wanted,
            allowed=", ".join(str(STATUS_LABELS[S(a)]) for a in allowed),
        ),
        details={"status": ticket.status, "allowed": allowed},
    )


@operation
def assign(
    actor,
    ticket: Ticket,
    *,
    assignee=None,
    team: Team | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Give the ticket to a team and/or a person. Returns the ticket; the caller mails."""
    check_version(ticket, expected_version)
    check_team(team, ticket.municipality_id)
    if assignee is not None and assignee.id != ticket.assignee_id:
        # A new owner must handle tickets here; keeping the owner is never refused.
        check_assignee(assignee, ticket.municipality_id)
    before = {"team_id": ticket.team_id, "assignee_id": ticket.assignee_id}
    ticket.team_id = team.id if team is not None else ticket.team_id
    ticket.assignee_id = assignee.id if assignee is not None else None
    after = {"team_id": ticket.team_id, "assignee_id": ticket.assignee_id}
    if before == after:
        return ticket
    parts = []
    if team is not None and before["team_id"] != ticket.team_id:
        parts.append(f"team {team.name}")
    parts.append(f"ansvarlig {name_of(assignee)}" if assignee is not None else "ingen ansvarlig")
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        "Tildelt: " + ", ".join(parts),
        event="assigned",
        params={
            "team": team.name if team is not None and before["team_id"] != ticket.team_id else None,
            "assignee": name_of(assignee) if assignee is not None else None,
        },
    )
    audit.record(
        actor,
        "ticket.assign",
        ticket,
        f"Sak #{ticket.id} tildelt: " + ", ".join(parts),
        changes={k: {"before": before[k], "after": after[k]} for k in before},
        municipality_id=ticket.municipality_id,
    )
    return ticket


@operation
def change_status(
    actor,
    ticket: Ticket,
    status: str,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Move the ticket along its lifecycle; waiting pauses the resolve clock."""
    check_version(ticket, expected_version)
    if status not in TRANSITIONS.get(ticket.status, ()):
        raise transition_error(ticket, status)
    note = text_or_none(note)
    if status == S.RESOLVED and not note:
        message = _l("Write what was done to resolve it.")
        raise ValidationError(message, fields={"note": [message]})
    now = at or utcnow()
    before = ticket.status
    apply_status(actor, ticket, status, now, note)
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Status: {LOG_STATUS[before]} → {LOG_STATUS[status]}" + (f"\n{note}" if note else ""),
        at=now,
        event="status",
        params={"before": before, "after": status},
    )
    audit.record(
        actor,
        f"ticket.{status}",
        ticket,
        f"Sak #{ticket.id}: {before} → {status}",
        changes={"status": {"before": before, "after": status}},
        municipality_id=ticket.municipality_id,
    )
    if status == S.RESOLVED and ticket.is_incident:
        for child in ticket.children:
            if child.status in OPEN_STATUSES:
                _resolve_child(actor, child, ticket, note, now)
    return ticket


def apply_status(actor, ticket: Ticket, status: str, now: datetime, note: str | None) -> None:
    if ticket.acknowledged_at is None and status != S.NEW:
        _mark_acknowledged(actor, ticket, now)
    if ticket.status in WAITING_STATUSES and status not in WAITING_STATUSES:
        _resume_clock(ticket, now)
    if status in WAITING_STATUSES and ticket.waiting_since is None:
        ticket.waiting_since = now
    if status == S.RESOLVED:
        ticket.resolved_at = now
        ticket.resolution = note
        if now > ticket.resolve_due_at and ticket.resolve_breached_at is None:
            ticket.resolve_breached_at = ticket.resolve_due_at
    elif status == S.CLOSED:
        ticket.closed_at = now
    elif ticket.status in DONE_STATUSES:  # reopened
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.status = status


def _resume_clock(ticket: Ticket, now: datetime) -> None:
    """Leaving a waiting state: the resolve deadline moves on by the time waited."""
    if ticket.waiting_since is None:
        return
    paused = sla.minutes_between(ticket.waiting_since, now, ticket.sla_calendar, business_hours())
    ticket.paused_minutes += paused
    ticket.resolve_due_at = sla.add_minutes(
        ticket.resolve_due_at, paused, ticket.sla_calendar, business_hours()
    )
    ticket.resolve_warn_at = sla.add_minutes(
        ticket.resolve_warn_at, paused, ticket.sla_calendar, business_hours()
    )
    ticket.waiting_since = None


def _resolve_child(actor, child: Ticket, parent: Ticket, note: str | None, now: datetime) -> None:
    before = child.status
    apply_status(actor, child, S.RESOLVED.value, now, note)
    log_line(
        actor,
        child,
        EntryKind.EVENT,
        f"Løst sammen med hendelse #{parent.id}" + (f"\n{note}" if note else ""),
        at=now,
        event="resolved_with_incident",
        params={"incident": parent.id},
    )
    audit.record(
        actor,
        "ticket.resolved",
        child,
        f"Sak #{child.id} løst med hendelse #{parent.id}",
        changes={"status": {"before": before, "after": S.RESOLVED.value}},
        municipality_id=child.municipality_id,
    )


@operation
def add_entry(
    actor, ticket: Ticket, body: str | None, *, kind: str = EntryKind.NOTE
) -> TicketEntry:
    """An internal note, or a reply told to the reporter, in the work log."""
    body = text_or_none(body)
    if not body:
        message = _l("Write something first.")
        raise ValidationError(message, fields={"body": [message]})
    if kind not in (EntryKind.NOTE, EntryKind.REPLY):
        message = _l("Choose an internal note or a reply.")
        raise ValidationError(message, fields={"kind": [message]})
    entry = log_line(actor, ticket, kind, body)
    # Writing on the ticket counts as a change of it (and bumps its version).
    ticket.updated_at = entry.at
    db.session.flush()
    audit.record(
        actor,
        f"ticket.{kind}",
        ticket,
        f"Sak #{ticket.id}: {'notat' if kind == EntryKind.NOTE else 'svar'} skrevet",
        municipality_id=ticket.municipality_id,
    )
    return entry


# `system` is the register's system (or None), recorded as its id.
EDITABLE = ("title", "description", "category", "system", "urgency", "impact")
# Written by people about people: the audit log records that these changed, not how.
FREE_TEXT = ("title", "description")


@operation
def update_ticket(actor, ticket: Ticket, *, expected_version: int | None = None, **data: Any):
    """Change what the ticket is about; a new urgency or impact gives new deadlines."""
    check_version(ticket, expected_version)
    fields: dict[str, list] = {}
    clean: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in data:
            continue
        value = data[name]
        if name in ("urgency", "impact"):
            choice(value, Level, name, _l("Choose high, medium or low."), fields)
        elif name == "title":
            value = text_or_none(value)
            if not value:
                fields["title"] = [_l("Write a short title: what is wrong?")]
        elif name == "system":
            value = value.id if value is not None else None
            if value != ticket.system_id:
                try:
                    check_system(data["system"], ticket.municipality_id)
                except ValidationError as exc:
                    fields.update(exc.fields)
            name = "system_id"
        else:
            value = text_or_none(value)
        clean[name] = value
    if fields:
        raise invalid(fields)
    changes = {
        k: {"before": getattr(ticket, k), "after": v}
        for k, v in clean.items()
        if getattr(ticket, k) != v
    }
    if not changes:
        return ticket
    for name, value in clean.items():
        setattr(ticket, name, value)
    priority = priority_for(ticket.urgency, ticket.impact)
    if priority != ticket.priority:
        changes["priority"] = {"before": ticket.priority, "after": priority}
        ticket.priority = priority
        deadlines(ticket)
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        "Endret: " + ", ".join(sorted(changes)),
        event="changed",
        params={"fields": sorted(changes)},
    )
    audit.record(
        actor,
        "ticket.update",
        ticket,
        f"Sak #{ticket.id} endret",
        changes=redact(changes, FREE_TEXT),
        municipality_id=ticket.municipality_id,
    )
    return ticket
