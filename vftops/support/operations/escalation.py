"""Escalating a ticket to a supplier and recording the supplier's answer."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import OSLO, utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.support.models import (
    EntryKind,
    Ticket,
)

from .common import S, log_line
from .lifecycle import apply_status, transition_error

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
        raise transition_error(ticket, S.WAITING_SUPPLIER.value)
    now = at or utcnow()
    before = ticket.status
    before_supplier = ticket.supplier_id
    if ticket.status != S.WAITING_SUPPLIER:
        apply_status(actor, ticket, S.WAITING_SUPPLIER.value, now, None)
    ticket.supplier_id = supplier.id
    ticket.supplier_ref = text_or_none(supplier_ref)
    ticket.escalated_at = now
    ticket.supplier_answered_at = None
    ticket.supplier_fixed_at = None
    text = f"Eskalert til {supplier.name}" + (
        f" (saksnr. {ticket.supplier_ref})" if ticket.supplier_ref else ""
    )
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        text + (f"\n{text_or_none(note)}" if note else ""),
        now,
        event="escalated",
        params={"supplier": supplier.name, "reference": ticket.supplier_ref},
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
    log_line(
        actor,
        ticket,
        EntryKind.EVENT,
        f"Leverandøren {' og '.join(parts)}",
        now,
        event="supplier_response",
        params={
            **{
                key: getattr(ticket, name).isoformat()
                for name, key in (
                    ("supplier_answered_at", "answered"),
                    ("supplier_fixed_at", "fixed"),
                )
                if name in changes
            },
            **({"reference": ticket.supplier_ref} if "supplier_ref" in changes else {}),
        },
    )
    audit.record(
        actor,
        "ticket.supplier_response",
        ticket,
        f"Sak #{ticket.id}: leverandøren {' og '.join(parts)}",
        changes=changes,
        municipality_id=ticket.municipality_id,
    )
    return ticket
