"""Creating a ticket, from any channel, with the duplicate check and the routing."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.models import utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.equipment.models import Device, Placement, Recipient
from vftops.extensions import db
from vftops.support.models import (
    Channel,
    EntryKind,
    Level,
    ReporterKind,
    Team,
    Ticket,
    TicketKind,
)
from vftops.support.queries import ticket_by_external_id
from vftops.systems.models import ItSystem

from .common import S, check_assignee, check_system, check_team, choice, log_line
from .settings import deadlines, priority_for, route

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
    system: ItSystem | None = None,
    urgency: str | None = None,
    impact: str | None = None,
    team: Team | None = None,
    assignee=None,
    external_id: str | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Register a ticket: route it, give it a priority and its SLA deadlines. A ticket with
    the external id of an earlier one is refused by the database (see `report_ticket`).

    The recipient is taken from the first device's open placement when not given;
    a critical recipient raises the urgency to high. The caller has checked that
    the devices, the recipient and the team are in the user's scope.
    """
    devices = list(dict.fromkeys(devices or []))
    urgency = urgency or Level.MEDIUM.value
    impact = impact or Level.MEDIUM.value
    title = _check_report(
        municipality_id, title, kind, channel, reporter_kind, urgency, impact, devices, recipient
    )
    external_id = text_or_none(external_id)
    if recipient is None and devices:
        recipient = _recipient_of(devices)
    if recipient is not None and recipient.is_critical:
        urgency = Level.HIGH.value
    check_team(team, municipality_id)
    check_assignee(assignee, municipality_id)
    category = text_or_none(category)
    check_system(system, municipality_id)
    rule = None
    if team is None:
        team, rule = route(
            municipality_id,
            kind=kind,
            category=category,
            product_ids={d.product_id for d in devices},
            system_id=system.id if system is not None else None,
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
        system_id=system.id if system is not None else None,
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
    deadlines(ticket)
    db.session.add(ticket)
    db.session.flush()
    routed = f" → {team.name}" if team is not None else ""
    if rule is not None:
        routed += f" (regel {rule.position})"
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Registrert ({channel}){routed}",
        at=now,
        event="created",
        params={
            "channel": channel,
            "team": team.name if team is not None else None,
            "rule": rule.position if rule is not None else None,
        },
    )
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


def report_ticket(
    actor, municipality_id: int, *, external_id: str | None = None, **report
) -> tuple[Ticket, bool]:
    """A ticket reported by another system, which may send the same report twice: returns
    (the ticket, created). A report whose external id this municipality already has gives
    that earlier ticket, unchanged, once the report itself has been checked."""
    external_id = text_or_none(external_id)
    if external_id:
        devices = list(dict.fromkeys(report.get("devices") or []))
        _check_report(
            municipality_id,
            report.get("title"),
            report.get("kind"),
            report.get("channel"),
            report.get("reporter_kind"),
            report.get("urgency") or Level.MEDIUM.value,
            report.get("impact") or Level.MEDIUM.value,
            devices,
            report.get("recipient"),
        )
        existing = ticket_by_external_id(municipality_id, external_id)
        if existing is not None:
            return existing, False
    return create_ticket(actor, municipality_id, external_id=external_id, **report), True


def _check_report(
    municipality_id, title, kind, channel, reporter_kind, urgency, impact, devices, recipient
) -> str:
    """The report's own rules, every field in error named at once; returns the title."""
    fields: dict[str, list] = {}
    title = text_or_none(title)
    if not title:
        fields["title"] = [_l("Write a short title: what is wrong?")]
    choice(kind, TicketKind, "kind", _l("Choose the kind of ticket."), fields)
    choice(channel, Channel, "channel", _l("Choose how it was reported."), fields)
    choice(reporter_kind, ReporterKind, "reporter_kind", _l("Choose who reported it."), fields)
    choice(urgency, Level, "urgency", _l("Choose high, medium or low."), fields)
    choice(impact, Level, "impact", _l("Choose high, medium or low."), fields)
    for device in devices:
        if device.municipality_id != municipality_id:
            fields["device_ids"] = [_l("A device belongs to another municipality.")]
    if recipient is not None and recipient.municipality_id != municipality_id:
        fields["recipient_id"] = [_l("The recipient belongs to another municipality.")]
    if fields:
        raise invalid(fields)
    return title


def _recipient_of(devices: list[Device]) -> Recipient | None:
    """Who has one of the devices now: the recipient of its open placement."""
    placement = db.session.scalar(
        select(Placement).where(
            Placement.device_id.in_([d.id for d in devices]), Placement.returned_at.is_(None)
        )
    )
    return placement.recipient if placement is not None else None
