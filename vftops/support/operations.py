"""The only code that changes tickets, teams, routing rules, SLA targets and function tests.

Every change writes a line in the ticket's work log (for people) and an audit
event (for the record) in the same savepoint as the change itself.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from vftops.core import audit
from vftops.core.db import MAX_TEXT, check_version, operation, take_write_lock, when_finished
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import OSLO, utcnow
from vftops.core.permissions import Permission
from vftops.core.privacy import redact, scrubber
from vftops.core.validation import invalid, text_or_none
from vftops.equipment.models import Device, Placement, Recipient
from vftops.equipment.operations import recipient_anonymised
from vftops.equipment.purge import RECENT_ACTIVITY
from vftops.extensions import db
from vftops.support import sla
from vftops.support.attachments import path_of
from vftops.support.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    STATUS_LABELS,
    TRANSITIONS,
    WAITING_STATUSES,
    Channel,
    EntryKind,
    FunctionTest,
    Level,
    Priority,
    ReporterKind,
    RoutingRule,
    SlaTarget,
    SupportSettings,
    Team,
    TeamKind,
    Ticket,
    TicketAttachment,
    TicketEntry,
    TicketKind,
    TicketStatus,
)
from vftops.support.queries import is_open_clause

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


# --- settings: priority, SLA, routing ---------------------------------------------------


def priority_for(urgency: str, impact: str) -> int:
    """The priority the configured urgency × impact matrix gives."""
    return int(current_app.config["SUPPORT_PRIORITY_MATRIX"][urgency][impact])


def business_hours():
    return sla.parse_hours(current_app.config["SUPPORT_BUSINESS_HOURS"])


def sla_targets(municipality_id: int) -> dict[int, tuple[int, int, str]]:
    """(minutes to acknowledge, minutes to resolve, calendar) per priority."""
    targets = {int(p): tuple(v) for p, v in current_app.config["SUPPORT_SLA"].items()}
    for row in db.session.scalars(
        select(SlaTarget).where(SlaTarget.municipality_id == municipality_id)
    ):
        targets[row.priority] = (row.acknowledge_minutes, row.resolve_minutes, row.calendar)
    return targets


def settings_for(municipality_id: int) -> dict[str, int]:
    return _settings(db.session.get(SupportSettings, municipality_id))


def settings_for_many(municipality_ids) -> dict[int, dict[str, int]]:
    """The settings of several municipalities in one query."""
    ids = list(municipality_ids)
    rows = {
        row.municipality_id: row
        for row in db.session.scalars(
            select(SupportSettings).where(SupportSettings.municipality_id.in_(ids))
        )
    }
    return {mid: _settings(rows.get(mid)) for mid in ids}


def _settings(row: SupportSettings | None) -> dict[str, int]:
    """A municipality's own settings, or the configured defaults."""
    config = current_app.config
    return {
        "auto_close_days": row.auto_close_days if row else config["SUPPORT_AUTO_CLOSE_DAYS"],
        "incident_threshold": row.incident_threshold
        if row
        else config["SUPPORT_INCIDENT_THRESHOLD"],
        "incident_window_minutes": row.incident_window_minutes
        if row
        else config["SUPPORT_INCIDENT_WINDOW_MINUTES"],
    }


def route(
    municipality_id: int,
    *,
    kind: str,
    category: str | None,
    product_ids: set[int],
    system: str | None,
) -> tuple[Team | None, RoutingRule | None]:
    """The team the first matching active rule names, else the default team."""
    rules = db.session.scalars(
        select(RoutingRule)
        .join(Team, Team.id == RoutingRule.team_id)
        .where(
            RoutingRule.municipality_id == municipality_id,
            RoutingRule.is_active.is_(True),
            Team.is_active.is_(True),
        )
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    for rule in rules:
        if rule.matches(kind=kind, category=category, product_ids=product_ids, system=system):
            return rule.team, rule
    default = db.session.scalar(
        select(Team).where(
            Team.municipality_id == municipality_id,
            Team.is_default.is_(True),
            Team.is_active.is_(True),
        )
    )
    return default, None


def _deadlines(ticket: Ticket) -> None:
    """Work out both deadlines from the creation time, the priority and the time paused."""
    # Reading the targets must not write the half-changed ticket (one UPDATE, one version).
    with db.session.no_autoflush:
        ack, resolve, calendar = sla_targets(ticket.municipality_id)[ticket.priority]
    hours = business_hours()
    ticket.sla_calendar = calendar
    ticket.acknowledge_due_at = sla.add_minutes(ticket.created_at, ack, calendar, hours)
    ticket.resolve_due_at = sla.add_minutes(
        ticket.created_at, resolve + ticket.paused_minutes, calendar, hours
    )
    warn_after = resolve * (100 - current_app.config["SUPPORT_WARN_PERCENT"]) // 100
    ticket.resolve_warn_at = sla.add_minutes(
        ticket.created_at, warn_after + ticket.paused_minutes, calendar, hours
    )


# --- helpers --------------------------------------------------------------------------


def _choice(value, allowed, field: str, message, fields: dict) -> str | None:
    if value in {a.value for a in allowed}:
        return value
    fields[field] = [message]
    return None


def log_line(
    actor, ticket: Ticket, kind: str, body: str, at: datetime | None = None
) -> TicketEntry:
    """A line in the ticket's work log (the caller audits the change it belongs to)."""
    entry = TicketEntry(
        ticket_id=ticket.id,
        author_id=actor.id if actor is not None else None,
        kind=kind,
        body=body,
        at=at or utcnow(),
    )
    db.session.add(entry)
    return entry


def _check_assignee(user, municipality_id: int, field: str = "assignee_id") -> None:
    from vftops.core.scope import municipality_ids

    if user is None:
        return
    if not user.is_active_user or not user.can(Permission.TICKETS_MANAGE):
        message = _l("Choose someone who handles tickets.")
        raise ValidationError(message, fields={field: [message]})
    if municipality_id not in municipality_ids(user):
        message = _l("That person does not work in the ticket's municipality.")
        raise ValidationError(message, fields={field: [message]})


def _check_team(team: Team | None, municipality_id: int, field: str = "team_id") -> None:
    if team is None:
        return
    if team.municipality_id != municipality_id or not team.is_active:
        message = _l("Choose an active team of the ticket's municipality.")
        raise ValidationError(message, fields={field: [message]})


def _who(user) -> str:
    if user is None:
        return "vftops"
    return user.full_name or user.username


# --- creating a ticket ------------------------------------------------------------------


@operation
def create_ticket(
    actor,
    municipality_id: int,
    *,
    title: str | None,
    kind: str | None,
    channel: str | None,
    reporter_kind: str | None,
    description: str | None = None,
    category: str | None = None,
    reporter_name: str | None = None,
    reporter_contact: str | None = None,
    devices: list[Device] | None = None,
    recipient: Recipient | None = None,
    system: str | None = None,
    urgency: str | None = None,
    impact: str | None = None,
    team: Team | None = None,
    assignee=None,
    external_id: str | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Register a ticket: route it, give it a priority and its SLA deadlines.

    The recipient is taken from the first device's open placement when not given;
    a critical recipient raises the urgency to high. The caller has checked that
    the devices, the recipient and the team are in the user's scope.
    """
    devices = list(dict.fromkeys(devices or []))
    fields: dict[str, list] = {}
    title = text_or_none(title)
    if not title:
        fields["title"] = [_l("Write a short title: what is wrong?")]
    _choice(kind, TicketKind, "kind", _l("Choose the kind of ticket."), fields)
    _choice(channel, Channel, "channel", _l("Choose how it was reported."), fields)
    _choice(reporter_kind, ReporterKind, "reporter_kind", _l("Choose who reported it."), fields)
    urgency = urgency or Level.MEDIUM.value
    impact = impact or Level.MEDIUM.value
    _choice(urgency, Level, "urgency", _l("Choose high, medium or low."), fields)
    _choice(impact, Level, "impact", _l("Choose high, medium or low."), fields)
    for device in devices:
        if device.municipality_id != municipality_id:
            fields["device_ids"] = [_l("A device belongs to another municipality.")]
    if recipient is not None and recipient.municipality_id != municipality_id:
        fields["recipient_id"] = [_l("The recipient belongs to another municipality.")]
    if fields:
        raise invalid(fields)
    external_id = text_or_none(external_id)
    if external_id:
        existing = db.session.scalar(
            select(Ticket).where(
                Ticket.municipality_id == municipality_id, Ticket.external_id == external_id
            )
        )
        if existing is not None:
            existing._vftops_existing = True
            return existing
    if recipient is None and devices:
        placement = db.session.scalar(
            select(Placement).where(
                Placement.device_id.in_([d.id for d in devices]),
                Placement.returned_at.is_(None),
            )
        )
        recipient = placement.recipient if placement is not None else None
    if recipient is not None and recipient.is_critical:
        urgency = Level.HIGH.value
    _check_team(team, municipality_id)
    _check_assignee(assignee, municipality_id)
    category = text_or_none(category)
    system = text_or_none(system)
    rule = None
    if team is None:
        team, rule = route(
            municipality_id,
            kind=kind,
            category=category,
            product_ids={d.product_id for d in devices},
            system=system,
        )
    now = at or utcnow()
    ticket = Ticket(
        municipality_id=municipality_id,
        title=title,
        description=text_or_none(description),
        kind=kind,
        category=category,
        channel=channel,
        reporter_kind=reporter_kind,
        reporter_name=text_or_none(reporter_name),
        reporter_contact=text_or_none(reporter_contact),
        recipient_id=recipient.id if recipient is not None else None,
        system=system,
        urgency=urgency,
        impact=impact,
        priority=priority_for(urgency, impact),
        status=S.NEW.value,
        team_id=team.id if team is not None else None,
        assignee_id=assignee.id if assignee is not None else None,
        external_id=external_id,
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
        paused_minutes=0,
    )
    ticket.devices = devices
    _deadlines(ticket)
    db.session.add(ticket)
    db.session.flush()
    routed = f" → {team.name}" if team is not None else ""
    if rule is not None:
        routed += f" (regel {rule.position})"
    log_line(actor, ticket, EntryKind.EVENT, f"Registrert ({channel}){routed}", at=now)
    audit.record(
        actor,
        "ticket.create",
        ticket,
        f"Sak #{ticket.id} registrert{routed}",
        changes={
            "priority": {"before": None, "after": ticket.priority},
            "team_id": {"before": None, "after": ticket.team_id},
        },
        municipality_id=municipality_id,
    )
    return ticket


def was_existing(ticket: Ticket) -> bool:
    """True when `create_ticket` returned an earlier ticket with the same external id."""
    return getattr(ticket, "_vftops_existing", False)


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
        raise _already_acknowledged(ticket)
    if ticket.status != S.NEW:
        raise _transition_error(ticket, S.ACKNOWLEDGED.value)
    _check_assignee(actor, ticket.municipality_id, field="assignee_id")
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
        raise _already_acknowledged(ticket)
    log_line(actor, ticket, EntryKind.EVENT, f"Kvittert av {_who(actor)}", at=now)
    audit.record(
        actor,
        "ticket.acknowledge",
        ticket,
        f"Sak #{ticket.id} kvittert av {actor.username}",
        changes={"status": {"before": S.NEW.value, "after": S.ACKNOWLEDGED.value}},
        municipality_id=ticket.municipality_id,
    )
    return ticket


def _already_acknowledged(ticket: Ticket) -> ConflictError:
    who = ticket.acknowledged_by
    name = _who(who) if who is not None else "vftops"
    return ConflictError(
        _l("%(name)s has already acknowledged this ticket and owns it.", name=name),
        details={
            "acknowledged_by": who.username if who is not None else None,
            "acknowledged_at": ticket.acknowledged_at.isoformat()
            if ticket.acknowledged_at
            else None,
        },
    )


def _transition_error(ticket: Ticket, wanted: str) -> ConflictError:
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
    _check_team(team, ticket.municipality_id)
    if assignee is not None and assignee.id != ticket.assignee_id:
        # A new owner must handle tickets here; keeping the owner is never refused.
        _check_assignee(assignee, ticket.municipality_id)
    before = {"team_id": ticket.team_id, "assignee_id": ticket.assignee_id}
    ticket.team_id = team.id if team is not None else ticket.team_id
    ticket.assignee_id = assignee.id if assignee is not None else None
    after = {"team_id": ticket.team_id, "assignee_id": ticket.assignee_id}
    if before == after:
        return ticket
    parts = []
    if team is not None and before["team_id"] != ticket.team_id:
        parts.append(f"team {team.name}")
    parts.append(f"ansvarlig {_who(assignee)}" if assignee is not None else "ingen ansvarlig")
    log_line(actor, ticket, EntryKind.EVENT, "Tildelt: " + ", ".join(parts))
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
        raise _transition_error(ticket, status)
    note = text_or_none(note)
    if status == S.RESOLVED and not note:
        message = _l("Write what was done to resolve it.")
        raise ValidationError(message, fields={"note": [message]})
    now = at or utcnow()
    before = ticket.status
    _apply_status(actor, ticket, status, now, note)
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Status: {LOG_STATUS[before]} → {LOG_STATUS[status]}" + (f"\n{note}" if note else ""),
        at=now,
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


def _apply_status(actor, ticket: Ticket, status: str, now: datetime, note: str | None) -> None:
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
    _apply_status(actor, child, S.RESOLVED.value, now, note)
    log_line(
        actor,
        child,
        EntryKind.EVENT,
        f"Løst sammen med hendelse #{parent.id}" + (f"\n{note}" if note else ""),
        at=now,
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
            _choice(value, Level, name, _l("Choose high, medium or low."), fields)
        elif name == "title":
            value = text_or_none(value)
            if not value:
                fields["title"] = [_l("Write a short title: what is wrong?")]
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
        _deadlines(ticket)
    log_line(actor, ticket, EntryKind.EVENT, "Endret: " + ", ".join(sorted(changes)))
    audit.record(
        actor,
        "ticket.update",
        ticket,
        f"Sak #{ticket.id} endret",
        changes=redact(changes, FREE_TEXT),
        municipality_id=ticket.municipality_id,
    )
    return ticket


# --- teams, rules, SLA --------------------------------------------------------------


TEAM_FIELDS = ("name", "kind", "supplier_id", "phone", "email", "hours", "note", "is_active")


def _clean_team(municipality_id: int, data: dict[str, Any], exclude_id=None) -> dict[str, Any]:
    fields: dict[str, list] = {}
    clean: dict[str, Any] = {}
    name = text_or_none(data.get("name"))
    if not name:
        fields["name"] = [_l("Give the team a name.")]
    elif db.session.scalar(
        select(Team.id).where(
            Team.municipality_id == municipality_id, Team.name == name, Team.id != (exclude_id or 0)
        )
    ):
        fields["name"] = [_l("The municipality already has a team with that name.")]
    clean["name"] = name
    clean["kind"] = _choice(
        data.get("kind"), TeamKind, "kind", _l("Choose what kind of team it is."), fields
    )
    for key in ("phone", "email", "hours"):
        clean[key] = text_or_none(data.get(key))
    clean["note"] = text_or_none(data.get("note"))
    clean["supplier_id"] = data.get("supplier_id") or None
    clean["is_active"] = bool(data.get("is_active", True))
    if fields:
        raise invalid(fields)
    return clean


@operation
def create_team(actor, municipality_id: int, *, members=(), is_default=False, **data) -> Team:
    clean = _clean_team(municipality_id, data)
    for user in members:
        _check_assignee(user, municipality_id, field="member_ids")
    if is_default:
        _clear_default(municipality_id)
    team = Team(municipality_id=municipality_id, is_default=bool(is_default), **clean)
    team.members = list(members)
    db.session.add(team)
    audit.record(
        actor, "team.create", team, f"Team {team.name} opprettet", municipality_id=municipality_id
    )
    return team


@operation
def update_team(
    actor, team: Team, *, members=None, is_default=None, expected_version=None, **data
) -> Team:
    check_version(team, expected_version)
    clean = _clean_team(team.municipality_id, data, exclude_id=team.id)
    changes = {k: {"before": getattr(team, k), "after": v} for k, v in clean.items()}
    for key, value in clean.items():
        setattr(team, key, value)
    if members is not None:
        # Only new members are checked: someone who has left may stay listed until
        # unticked, without blocking every other change of the team.
        current = {u.id for u in team.members}
        for user in members:
            if user.id not in current:
                _check_assignee(user, team.municipality_id, field="member_ids")
        changes["member_ids"] = {
            "before": sorted(current),
            "after": sorted(u.id for u in members),
        }
        team.members = list(members)
    was_default = team.is_default
    if is_default and not team.is_default:
        _clear_default(team.municipality_id)
        team.is_default = True
    elif is_default is False:
        team.is_default = False
    changes["is_default"] = {"before": was_default, "after": team.is_default}
    audit.record(
        actor,
        "team.update",
        team,
        f"Team {team.name} endret",
        changes={k: v for k, v in changes.items() if v["before"] != v["after"]},
        municipality_id=team.municipality_id,
    )
    return team


def _clear_default(municipality_id: int) -> None:
    db.session.execute(
        update(Team)
        .where(Team.municipality_id == municipality_id, Team.is_default.is_(True))
        .values(is_default=False, version=Team.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


@operation
def save_rule(
    actor,
    municipality_id: int,
    *,
    rule: RoutingRule | None = None,
    team: Team | None,
    position: Any,
    kind: str | None = None,
    category: str | None = None,
    product_id: int | None = None,
    system: str | None = None,
    note: str | None = None,
    is_active: bool = True,
    expected_version: int | None = None,
) -> RoutingRule:
    """Create (rule None) or change a routing rule."""
    fields: dict[str, list] = {}
    if team is None or team.municipality_id != municipality_id:
        fields["team_id"] = [_l("Choose the team that gets these tickets.")]
    try:
        position = int(str(position).strip())
        if position < 0:
            raise ValueError(position)
    except (TypeError, ValueError):
        fields["position"] = [_l("Enter a whole number of 0 or more.")]
    if kind and kind not in {k.value for k in TicketKind}:
        fields["kind"] = [_l("Choose the kind of ticket.")]
    if fields:
        raise invalid(fields)
    values = {
        "team_id": team.id,
        "position": position,
        "kind": kind or None,
        "category": text_or_none(category),
        "product_id": product_id or None,
        "system": text_or_none(system),
        "note": text_or_none(note),
        "is_active": bool(is_active),
    }
    if rule is None:
        rule = RoutingRule(municipality_id=municipality_id, **values)
        db.session.add(rule)
        action, changes = "routing_rule.create", None
    else:
        check_version(rule, expected_version)
        changes = {
            k: {"before": getattr(rule, k), "after": v}
            for k, v in values.items()
            if getattr(rule, k) != v
        }
        for key, value in values.items():
            setattr(rule, key, value)
        action = "routing_rule.update"
    audit.record(
        actor,
        action,
        rule,
        f"Rutingregel {position} → {team.name}",
        changes=changes,
        municipality_id=municipality_id,
    )
    return rule


@operation
def delete_rule(actor, rule: RoutingRule, *, expected_version: int | None = None) -> None:
    check_version(rule, expected_version)
    audit.record(
        actor,
        "routing_rule.delete",
        rule,
        f"Rutingregel {rule.position} slettet",
        municipality_id=rule.municipality_id,
    )
    db.session.delete(rule)


@operation
def set_sla_target(
    actor,
    municipality_id: int,
    priority: int,
    *,
    acknowledge_minutes: Any,
    resolve_minutes: Any,
    calendar: str,
    expected_version: int | None = None,
) -> SlaTarget:
    """A municipality's own SLA for one priority (applies to tickets created after).

    `expected_version`: the own target's version the form was opened on; a change
    made by someone else since is refused (409)."""
    fields: dict[str, list] = {}
    values = {}
    for name, value in (
        ("acknowledge_minutes", acknowledge_minutes),
        ("resolve_minutes", resolve_minutes),
    ):
        try:
            number = int(str(value).strip())
            if number <= 0:
                raise ValueError(value)
            values[name] = number
        except (TypeError, ValueError):
            fields[name] = [_l("Enter a whole number of minutes, more than 0.")]
    if calendar not in {c.value for c in sla.Calendar}:
        fields["calendar"] = [_l("Choose 24/7 or business hours.")]
    if priority not in {p.value for p in Priority}:
        fields["priority"] = [_l("Choose a priority.")]
    if not fields and values["resolve_minutes"] < values["acknowledge_minutes"]:
        fields["resolve_minutes"] = [
            _l("The time to resolve cannot be shorter than to acknowledge.")
        ]
    if fields:
        raise invalid(fields)
    row = db.session.scalar(
        select(SlaTarget).where(
            SlaTarget.municipality_id == municipality_id, SlaTarget.priority == priority
        )
    )
    before = None
    if row is not None:
        check_version(row, expected_version)
    if row is None:
        row = SlaTarget(
            municipality_id=municipality_id, priority=priority, calendar=calendar, **values
        )
        db.session.add(row)
    else:
        before = {
            "acknowledge_minutes": row.acknowledge_minutes,
            "resolve_minutes": row.resolve_minutes,
            "calendar": row.calendar,
        }
        row.calendar = calendar
        for key, value in values.items():
            setattr(row, key, value)
    after = {**values, "calendar": calendar}
    audit.record(
        actor,
        "sla_target.set",
        row,
        f"SLA for prioritet {priority}: {after}",
        changes={k: {"before": (before or {}).get(k), "after": v} for k, v in after.items()},
        municipality_id=municipality_id,
    )
    return row


@operation
def reset_sla_target(actor, municipality_id: int, priority: int) -> bool:
    """Back to the default SLA for one priority (for tickets created after).

    False when the municipality already used the default: nothing to do."""
    row = db.session.scalar(
        select(SlaTarget).where(
            SlaTarget.municipality_id == municipality_id, SlaTarget.priority == priority
        )
    )
    if row is None:
        return False
    before = {
        "acknowledge_minutes": row.acknowledge_minutes,
        "resolve_minutes": row.resolve_minutes,
        "calendar": row.calendar,
    }
    audit.record(
        actor,
        "sla_target.reset",
        row,
        f"SLA for prioritet {priority} tilbake til standarden",
        changes={k: {"before": v, "after": None} for k, v in before.items()},
        municipality_id=municipality_id,
    )
    db.session.delete(row)
    return True


# --- the daily sweep ----------------------------------------------------------------


@operation
def sweep(now: datetime | None = None) -> dict[str, int]:
    """Record passed deadlines as breaches; close tickets resolved long enough ago."""
    from datetime import timedelta

    now = now or utcnow()
    acknowledged = db.session.execute(
        update(Ticket)
        .where(
            Ticket.acknowledged_at.is_(None),
            Ticket.acknowledge_breached_at.is_(None),
            Ticket.acknowledge_due_at < now,
            is_open_clause(),
        )
        .values(acknowledge_breached_at=Ticket.acknowledge_due_at, version=Ticket.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    resolved = db.session.execute(
        update(Ticket)
        .where(
            Ticket.resolve_breached_at.is_(None),
            Ticket.resolve_due_at < now,
            is_open_clause(),
            Ticket.status.not_in([s.value for s in WAITING_STATUSES]),
        )
        .values(resolve_breached_at=Ticket.resolve_due_at, version=Ticket.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    closed = 0
    municipalities = db.session.scalars(
        select(Ticket.municipality_id).where(Ticket.status == S.RESOLVED).distinct()
    ).all()
    for municipality_id in municipalities:
        days = settings_for(municipality_id)["auto_close_days"]
        tickets = db.session.scalars(
            select(Ticket).where(
                Ticket.municipality_id == municipality_id,
                Ticket.status == S.RESOLVED,
                Ticket.resolved_at < now - timedelta(days=days),
            )
        ).all()
        for ticket in tickets:
            ticket.status = S.CLOSED.value
            ticket.closed_at = now
            log_line(None, ticket, EntryKind.EVENT, f"Lukket automatisk etter {days} dager", at=now)
            audit.record(
                None,
                "ticket.closed",
                ticket,
                f"Sak #{ticket.id} lukket automatisk",
                changes={"status": {"before": S.RESOLVED.value, "after": S.CLOSED.value}},
                municipality_id=municipality_id,
            )
            closed += 1
    if acknowledged or resolved:
        audit.record(
            None,
            "ticket.sla_sweep",
            None,
            f"SLA-brudd registrert: {acknowledged} kvittering, {resolved} løsning",
            object_type="tickets",
        )
    db.session.expire_all()
    return {"acknowledge_breaches": acknowledged, "resolve_breaches": resolved, "closed": closed}


def acknowledge_or_explain(actor, ticket_id: int, *, at: datetime | None = None) -> Ticket:
    """Acknowledge; when someone else was faster, say who, whichever way the race was lost.

    On PostgreSQL the loser's conditional UPDATE waits for the winner and then matches
    no row. On SQLite the loser's write is refused at once, possibly before the
    winner has committed: the request's transaction is ended, a new one waits for the
    write lock (so for the winner's commit) and the acknowledgement is tried again on
    fresh data, which then names the person who owns the ticket.
    """
    for attempt in range(3):
        ticket = db.session.get(Ticket, ticket_id)
        try:
            return acknowledge(actor, ticket, at=at)
        except ConflictError:
            db.session.rollback()
            take_write_lock(Ticket, ticket_id)
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is not None and ticket.acknowledged_at is not None:
                raise _already_acknowledged(ticket) from None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# --- supplier escalation ------------------------------------------------------------


@operation
def escalate(
    actor,
    ticket: Ticket,
    supplier,
    *,
    supplier_ref: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Hand the fault to the supplier: the ticket waits for them (the clock stops)."""
    check_version(ticket, expected_version)
    if supplier is None:
        message = _l("Choose the supplier.")
        raise ValidationError(message, fields={"supplier_id": [message]})
    if not ticket.is_open:
        raise _transition_error(ticket, S.WAITING_SUPPLIER.value)
    now = at or utcnow()
    before = ticket.status
    before_supplier = ticket.supplier_id
    if ticket.status != S.WAITING_SUPPLIER:
        _apply_status(actor, ticket, S.WAITING_SUPPLIER.value, now, None)
    ticket.supplier_id = supplier.id
    ticket.supplier_ref = text_or_none(supplier_ref)
    ticket.escalated_at = now
    ticket.supplier_answered_at = None
    ticket.supplier_fixed_at = None
    text = f"Eskalert til {supplier.name}" + (
        f" (saksnr. {ticket.supplier_ref})" if ticket.supplier_ref else ""
    )
    log_line(
        actor, ticket, EntryKind.EVENT, text + (f"\n{text_or_none(note)}" if note else ""), now
    )
    audit.record(
        actor,
        "ticket.escalate",
        ticket,
        f"Sak #{ticket.id}: {text}",
        changes={
            "status": {"before": before, "after": ticket.status},
            "supplier_id": {"before": before_supplier, "after": supplier.id},
        },
        municipality_id=ticket.municipality_id,
    )
    return ticket


@operation
def record_supplier_response(
    actor,
    ticket: Ticket,
    *,
    answered_at: datetime | None = None,
    fixed_at: datetime | None = None,
    supplier_ref: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """When the supplier answered and when they fixed it (their own SLA is measured on these)."""
    check_version(ticket, expected_version)
    if ticket.escalated_at is None:
        raise ConflictError(_l("The ticket has not been escalated to a supplier."))
    fields: dict[str, list] = {}
    now = utcnow()
    for name, value in (("answered_at", answered_at), ("fixed_at", fixed_at)):
        if value is not None and (value < ticket.escalated_at or value > now):
            fields[name] = [_l("Give a time between the escalation and now.")]
    # Each time given is checked against the other, given now or recorded before.
    answered = answered_at or ticket.supplier_answered_at
    fixed = fixed_at or ticket.supplier_fixed_at
    if answered and fixed and fixed < answered:
        fields["fixed_at" if fixed_at else "answered_at"] = [
            _l("It cannot be fixed before the supplier answered.")
        ]
    if fields:
        raise invalid(fields)
    tracked = ("supplier_answered_at", "supplier_fixed_at", "supplier_ref")
    before = audit.snapshot(ticket, tracked)
    if answered_at is not None:
        ticket.supplier_answered_at = answered_at
    if fixed_at is not None:
        ticket.supplier_fixed_at = fixed_at
        if ticket.supplier_answered_at is None:
            ticket.supplier_answered_at = fixed_at
    if supplier_ref is not None:
        ticket.supplier_ref = text_or_none(supplier_ref)
    changes = audit.diff(before, audit.snapshot(ticket, tracked))
    if not changes:
        return ticket
    # The log says what is new, in Norwegian time, whatever form sent the times again.
    parts = [
        f"{word} {getattr(ticket, name).astimezone(OSLO):%d.%m.%Y %H:%M}"
        for name, word in (("supplier_answered_at", "svarte"), ("supplier_fixed_at", "rettet"))
        if name in changes
    ]
    if "supplier_ref" in changes:
        parts.append(f"saksnr. {ticket.supplier_ref or '–'}")
    log_line(actor, ticket, EntryKind.EVENT, f"Leverandøren {' og '.join(parts)}", now)
    audit.record(
        actor,
        "ticket.supplier_response",
        ticket,
        f"Sak #{ticket.id}: leverandøren {' og '.join(parts)}",
        changes=changes,
        municipality_id=ticket.municipality_id,
    )
    return ticket


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
        log_line(actor, ticket, EntryKind.EVENT, f"Koblet til hendelse #{incident.id}")
    if linked:
        log_line(
            actor,
            incident,
            EntryKind.EVENT,
            f"{len(linked)} saker koblet til: " + ", ".join(f"#{i}" for i in linked),
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
    log_line(actor, ticket, EntryKind.EVENT, f"Tatt ut av hendelse #{parent_id}")
    audit.record(
        actor,
        "ticket.unlink",
        ticket,
        f"Sak #{ticket.id} tatt ut av hendelse #{parent_id}",
        municipality_id=ticket.municipality_id,
    )
    return ticket


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
    log_line(actor, ticket, EntryKind.EVENT, f"{device.serial_number} sendt til reparasjon")
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
        f"Besøk planlagt {planned_on:%d.%m.%Y} for {_who(assigned_to)}",
    )
    return visit


# --- configuration (area C): a municipality's own support settings -----------------

SETTINGS_LIMITS = {
    # field: (smallest, largest, message)
    "auto_close_days": (1, 365, _l("Enter a whole number of days from 1 to 365.")),
    "incident_threshold": (2, 1000, _l("Enter a whole number of alarms from 2 to 1000.")),
    "incident_window_minutes": (1, 24 * 60, _l("Enter a whole number of minutes from 1 to 1440.")),
}


@operation
def save_support_settings(
    actor,
    municipality_id: int,
    *,
    auto_close_days: Any,
    incident_threshold: Any,
    incident_window_minutes: Any,
    expected_version: int | None = None,
) -> SupportSettings:
    """Auto-close after N days and the mass-incident rule («more than N alarms in M minutes»).

    Applies from the next sweep and the next look at the start page.
    """
    fields: dict[str, list] = {}
    values: dict[str, int] = {}
    for name, value in (
        ("auto_close_days", auto_close_days),
        ("incident_threshold", incident_threshold),
        ("incident_window_minutes", incident_window_minutes),
    ):
        low, high, message = SETTINGS_LIMITS[name]
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            number = int(value) if isinstance(value, int | float) else int(str(value).strip())
            if not low <= number <= high:
                raise ValueError(value)
            values[name] = number
        except (TypeError, ValueError):
            fields[name] = [message]
    if fields:
        raise invalid(fields)
    row = db.session.get(SupportSettings, municipality_id)
    if row is None:
        before = None
        row = SupportSettings(municipality_id=municipality_id, **values)
        db.session.add(row)
    else:
        check_version(row, expected_version)
        before = {k: getattr(row, k) for k in values}
        for key, value in values.items():
            setattr(row, key, value)
    changes = {
        k: {"before": (before or {}).get(k), "after": v}
        for k, v in values.items()
        if before is None or before[k] != v
    }
    db.session.flush()
    audit.record(
        actor,
        "support_settings.save",
        row,
        f"Supportinnstillinger: lukkes etter {values['auto_close_days']} dager, hendelse ved "
        f"mer enn {values['incident_threshold']} alarmer på "
        f"{values['incident_window_minutes']} minutter",
        changes=changes,
        municipality_id=municipality_id,
    )
    return row


# --- forgetting a recipient ----------------------------------------------------------


@recipient_anonymised.connect
def _forget_in_tickets(recipient: Recipient, *, scrub, **_extra) -> None:
    """Tickets about an anonymised recipient keep what was wrong and what was done, not
    who rang: the reporter is cleared, their and the recipient's names and numbers leave
    the text, attachments (photos of a home) are deleted, function-test notes cleared.
    (Attachment file names are not searched for: «bilde» or «alarm» would go too.)"""
    tickets = db.session.scalars(select(Ticket).where(Ticket.recipient_id == recipient.id)).all()
    title_limit = Ticket.__table__.c.title.type.length
    for ticket in tickets:
        attachments = db.session.scalars(
            select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
        ).all()
        words = [ticket.reporter_name, ticket.reporter_contact]
        words += re.split(r"[\s,;()<>]+", ticket.reporter_name or "")
        words += re.split(r"[\s,;()<>]+", ticket.reporter_contact or "")
        forget = _both(scrub, scrubber(words))
        ticket.reporter_name = None
        ticket.reporter_contact = None
        if forget is not None:
            ticket.title = forget(ticket.title, title_limit)
            ticket.description = forget(ticket.description, MAX_TEXT)
            ticket.resolution = forget(ticket.resolution, MAX_TEXT)
            audit.scrub_append_only(
                TicketEntry.__table__, "body", TicketEntry.ticket_id == ticket.id, forget
            )
        _delete_attachments(attachments)
    placements = select(Placement.id).where(Placement.recipient_id == recipient.id)
    db.session.execute(
        update(FunctionTest).where(FunctionTest.placement_id.in_(placements)).values(note=None),
        execution_options={"synchronize_session": False},
    )


def _both(first, second):
    """One scrub from two (either may be None: nothing to look for)."""
    if first is None or second is None:
        return first or second

    def scrub(text, limit=None):
        return second(first(text), limit)

    return scrub


def _delete_attachments(attachments: list[TicketAttachment]) -> None:
    """Remove the rows now and the files once the purge has committed (a file whose row
    came back in a rolled-back savepoint stays)."""
    if not attachments:
        return
    paths = {a.stored_name: path_of(a) for a in attachments}
    for attachment in attachments:
        db.session.delete(attachment)

    def unlink() -> None:
        try:
            _unlink_gone(paths)
        except (OSError, SQLAlchemyError):  # the rows are gone: a file left is logged
            log.exception("purge: attachment files not deleted")

    def _unlink_gone(paths) -> None:
        with db.engine.connect() as connection:
            kept = set(
                connection.scalars(
                    select(TicketAttachment.stored_name).where(
                        TicketAttachment.stored_name.in_(list(paths))
                    )
                )
            )
        for name, path in paths.items():
            if name not in kept:
                path.unlink(missing_ok=True)

    when_finished(committed=unlink)


def _tickets_since(moment):
    """Recipients with an open ticket, or one changed or a device tested since `moment`:
    not yet due for anonymising (the servicedesk may still need to call)."""
    return (
        select(Ticket.recipient_id)
        .where(Ticket.recipient_id.is_not(None), is_open_clause() | (Ticket.updated_at >= moment))
        .union(
            select(Placement.recipient_id)
            .join(FunctionTest, FunctionTest.placement_id == Placement.id)
            .where(FunctionTest.tested_at >= moment)
        )
    )


RECENT_ACTIVITY.append(_tickets_since)
