"""Deviations: reported against an agreement, told to the supplier, answered, closed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.agreements.models import (
    Agreement,
    Deviation,
    DeviationKind,
    DeviationStatus,
    ServiceLevel,
    Severity,
    deviation_tickets,
)
from vftops.agreements.operations.agreements import check_manages
from vftops.agreements.operations.checks import choice, day, ident, record, refuse, text
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError
from vftops.core.models import local_today, utcnow
from vftops.core.scope import scoped
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.support.models import Ticket

DEVIATION_FIELDS = (
    "kind",
    "severity",
    "title",
    "description",
    "status",
    "reported_at",
    "reported_how",
    "supplier_answer",
    "answered_at",
    "service_level_id",
)
MAX_LINKED = 200


# In the audit log (on the agreement) a deviation's kind and status have their own names.
_RENAMED = {"kind": "deviation_kind", "status": "deviation_status"}


def _state(deviation: Deviation) -> dict[str, Any]:
    state = {_RENAMED.get(k, k): v for k, v in audit.snapshot(deviation, DEVIATION_FIELDS).items()}
    state["ticket_ids"] = sorted(t.id for t in deviation.tickets)
    state["device_ids"] = sorted(d.id for d in deviation.devices)
    return state


def _ids(value, field: str, message) -> list[int]:
    if value in (None, ""):
        return []
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise refuse(field, message)
    found = sorted({ident(v) for v in value})
    if any(v is None or v < 0 for v in found) or len(found) > MAX_LINKED:
        raise refuse(field, message)
    return found


def _tickets(actor, agreement: Agreement, value) -> list[Ticket]:
    wanted = _ids(value, "ticket_ids", _l("Give ticket numbers, separated by commas."))
    if not wanted:
        return []
    stmt = select(Ticket).where(
        Ticket.id.in_(wanted), Ticket.municipality_id.in_(agreement.served_municipality_ids)
    )
    if actor is not None:
        stmt = scoped(stmt, Ticket, actor)
    found = db.session.scalars(stmt).all()
    if len(found) != len(wanted):
        raise refuse("ticket_ids", _l("Choose tickets of the municipalities the agreement covers."))
    return list(found)


def _devices(actor, agreement: Agreement, value) -> list[Device]:
    wanted = _ids(value, "device_ids", _l("Give a list of device ids."))
    if not wanted:
        return []
    stmt = select(Device).where(
        Device.id.in_(wanted), Device.municipality_id.in_(agreement.served_municipality_ids)
    )
    if actor is not None:
        stmt = scoped(stmt, Device, actor)
    found = db.session.scalars(stmt).all()
    if len(found) != len(wanted):
        raise refuse("device_ids", _l("Choose devices of your municipalities."))
    return list(found)


def _level(agreement: Agreement, value) -> ServiceLevel | None:
    wanted = ident(value)
    if wanted is None:
        return None
    level = db.session.get(ServiceLevel, wanted) if wanted > 0 else None
    if level is None or level.agreement_id != agreement.id:
        raise refuse("service_level_id", _l("Choose one of the agreement's service levels."))
    return level


def _dated(value, field: str, today: date) -> date | None:
    found = day(value, field)
    if found is not None and found > today:
        raise refuse(field, _l("The date cannot be in the future."))
    return found


def _apply(deviation: Deviation, data: dict[str, Any], today: date) -> None:
    deviation.kind = choice(
        data.get("kind"), DeviationKind, "kind", _l("Choose what kind of deviation it is.")
    )
    deviation.severity = choice(
        data.get("severity") or Severity.MEDIUM,
        Severity,
        "severity",
        _l("Choose how serious it is."),
    )
    deviation.title = text(
        data.get("title"), "title", required=_l("Say in a line what happened."), limit=200
    )
    deviation.description = text(data.get("description"), "description")
    deviation.reported_at = _dated(data.get("reported_at"), "reported_at", today)
    deviation.reported_how = text(data.get("reported_how"), "reported_how", limit=200)
    deviation.supplier_answer = text(data.get("supplier_answer"), "supplier_answer")
    deviation.answered_at = _dated(data.get("answered_at"), "answered_at", today)
    if deviation.supplier_answer and deviation.answered_at is None:
        deviation.answered_at = today
    if deviation.answered_at is not None and deviation.supplier_answer is None:
        raise refuse("supplier_answer", _l("Write what the supplier answered."))
    if deviation.reported_at is None and deviation.answered_at is not None:
        raise refuse("reported_at", _l("Give the date the supplier was told."))
    if (
        deviation.reported_at is not None
        and deviation.answered_at is not None
        and deviation.answered_at < deviation.reported_at
    ):
        raise refuse("answered_at", _l("The answer cannot come before the report."))
    if deviation.status != DeviationStatus.CLOSED:
        deviation.status = (
            DeviationStatus.ANSWERED
            if deviation.answered_at is not None
            else DeviationStatus.REPORTED
            if deviation.reported_at is not None
            else DeviationStatus.OPEN
        )


@operation
def report_deviation(actor, agreement: Agreement, **data) -> Deviation:
    """Register a deviation against the agreement (anyone who may report one, in the
    municipalities the agreement covers)."""
    today = local_today()
    deviation = Deviation(
        agreement=agreement, agreement_id=agreement.id, status=DeviationStatus.OPEN
    )
    _apply(deviation, data, today)
    deviation.service_level = _level(agreement, data.get("service_level_id"))
    deviation.tickets = _tickets(actor, agreement, data.get("ticket_ids"))
    deviation.devices = _devices(actor, agreement, data.get("device_ids"))
    deviation.reported_by_id = actor.id if actor is not None else None
    db.session.add(deviation)
    db.session.flush()
    record(
        actor,
        "agreement.deviation_report",
        agreement,
        f"Avvik meldt på avtale {agreement.title}: {deviation.title}",
        audit.diff({}, _state(deviation))
        | {"deviation_id": {"before": None, "after": deviation.id}},
    )
    return deviation


def breach_reported(ticket_id: int, level_id: int) -> Deviation | None:
    """The deviation registered for this ticket's breach of this service level, if any."""
    return db.session.scalars(
        select(Deviation)
        .join(deviation_tickets, deviation_tickets.c.deviation_id == Deviation.id)
        .where(
            deviation_tickets.c.ticket_id == ticket_id,
            Deviation.service_level_id == level_id,
        )
        .limit(1)
    ).first()


@operation
def report_breach(
    actor, agreement: Agreement, ticket: Ticket, level: ServiceLevel, **data
) -> tuple[Deviation, bool]:
    """The one-click deviation for a ticket's breach of a service level: registered
    once, however many click at the same moment. Returns the deviation and whether
    this call registered it."""
    take_write_lock(ServiceLevel, level.id)  # the second waits, then finds the first
    existing = breach_reported(ticket.id, level.id)
    if existing is not None:
        return existing, False
    deviation = report_deviation(
        actor,
        agreement,
        kind=DeviationKind.SLA_BREACH,
        ticket_ids=[ticket.id],
        service_level_id=level.id,
        **data,
    )
    return deviation, True


@operation
def update_deviation(actor, deviation: Deviation, *, expected_version=None, **data) -> Deviation:
    """Change a deviation: what the supplier was told and when, their answer."""
    check_version(deviation, expected_version)
    if deviation.status == DeviationStatus.CLOSED:
        raise ConflictError(_l("The deviation is closed: reopen it to change it."))
    agreement = deviation.agreement
    before = _state(deviation)
    merged = {**audit.snapshot(deviation, DEVIATION_FIELDS), **data}
    _apply(deviation, merged, local_today())
    if "service_level_id" in data:
        deviation.service_level = _level(agreement, data["service_level_id"])
    if "ticket_ids" in data:
        deviation.tickets = _tickets(actor, agreement, data["ticket_ids"])
    if "device_ids" in data:
        deviation.devices = _devices(actor, agreement, data["device_ids"])
    changes = audit.diff(before, _state(deviation))
    if changes:
        deviation.updated_at = utcnow()
        record(
            actor,
            "agreement.deviation_update",
            agreement,
            f"Avvik på avtale {agreement.title} endret: {deviation.title}",
            changes | {"deviation_id": {"before": deviation.id, "after": deviation.id}},
        )
    return deviation


@operation
def close_deviation(actor, deviation: Deviation, *, expected_version=None, note=None) -> Deviation:
    check_version(deviation, expected_version)
    check_manages(actor, deviation.agreement)
    if deviation.status == DeviationStatus.CLOSED:
        raise ConflictError(_l("The deviation is closed already."))
    was = deviation.status
    deviation.status = DeviationStatus.CLOSED
    deviation.closed_at = utcnow()
    note = text(note, "note")
    if note:
        deviation.description = (
            f"{deviation.description}\n\n{note}" if deviation.description else note
        )
    record(
        actor,
        "agreement.deviation_close",
        deviation.agreement,
        f"Avvik på avtale {deviation.agreement.title} lukket: {deviation.title}",
        {
            "status": {"before": was, "after": "closed"},
            "deviation_id": {"before": deviation.id, "after": deviation.id},
        },
    )
    return deviation


@operation
def reopen_deviation(actor, deviation: Deviation, *, expected_version=None) -> Deviation:
    check_version(deviation, expected_version)
    check_manages(actor, deviation.agreement)
    if deviation.status != DeviationStatus.CLOSED:
        raise ConflictError(_l("The deviation is open."))
    deviation.closed_at = None
    deviation.status = DeviationStatus.OPEN
    _apply(deviation, audit.snapshot(deviation, DEVIATION_FIELDS), local_today())
    record(
        actor,
        "agreement.deviation_reopen",
        deviation.agreement,
        f"Avvik på avtale {deviation.agreement.title} gjenåpnet: {deviation.title}",
        {
            "status": {"before": "closed", "after": deviation.status},
            "deviation_id": {"before": deviation.id, "after": deviation.id},
        },
    )
    return deviation
