"""Recipients: registering, editing, anonymising and recording who looked."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError
from vftops.core.models import utcnow
from vftops.core.privacy import ANONYMISED_NAME, redact, scrubber
from vftops.core.validation import digits, invalid, text_or_none
from vftops.equipment.identifiers import (
    clean_phone,
)
from vftops.equipment.models import (
    Movement,
    Placement,
    Recipient,
    Relative,
    Visit,
)
from vftops.extensions import db
from vftops.org.models import Municipality, Unit

from .common import PERSONAL_RECIPIENT_FIELDS, RECIPIENT_FIELDS, recipient_anonymised

# --- recipients ---------------------------------------------------------------------


def _clean_recipient(data: dict[str, Any], municipality_id: int) -> dict[str, Any]:
    fields: dict[str, list] = {}
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = (data.get("name") or "").strip()
        if not out["name"]:
            fields["name"] = [_l("Enter the recipient's name.")]
    for key in ("address", "city", "access_note", "journal_ref", "decision_ref"):
        if key in data:
            out[key] = text_or_none(data.get(key))
    if "postal_code" in data:
        code = (data.get("postal_code") or "").strip()
        if code and not (digits(code) and len(code) == 4):
            fields["postal_code"] = [_l("A postal code has four digits.")]
        out["postal_code"] = code or None
    if "phone" in data:
        out["phone"], error = clean_phone(data.get("phone"))
        if error:
            fields["phone"] = [error]
    for key in ("next_evaluation_on", "service_ended_on"):
        if key in data:
            value = data.get(key)
            if isinstance(value, str) and value:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    fields[key] = [_l("Not a valid date.")]
            out[key] = value or None
    if "is_critical" in data:
        out["is_critical"] = bool(data.get("is_critical"))
    if "unit_id" in data:
        unit_id = data.get("unit_id") or None
        if unit_id is not None:
            unit = db.session.get(Unit, int(unit_id))
            if unit is None or unit.municipality_id != municipality_id:
                fields["unit_id"] = [_l("The unit must belong to the recipient's municipality.")]
            unit_id = int(unit_id)
        out["unit_id"] = unit_id
    if fields:
        raise invalid(fields)
    return out


def _set_relatives(recipient: Recipient, relatives: list[dict[str, Any]]) -> None:
    problems = {}
    rows = []
    for i, rel in enumerate(relatives):
        name = (rel.get("name") or "").strip()
        if not name:
            continue
        phone, error = clean_phone(rel.get("phone"))
        if error:
            problems[f"relatives.{i}.phone"] = [error]
        rows.append(
            Relative(
                name=name,
                phone=phone,
                relation=text_or_none(rel.get("relation")),
                responds_to_alarms=bool(rel.get("responds_to_alarms")),
            )
        )
    if problems:
        raise invalid(problems)
    recipient.relatives[:] = rows


def _recipient_state(recipient: Recipient) -> dict[str, Any]:
    state = audit.snapshot(recipient, RECIPIENT_FIELDS)
    state["relatives"] = [
        f"{r.name} ({r.phone or '-'}){' *' if r.responds_to_alarms else ''}"
        for r in recipient.relatives
    ]
    return state


@operation
def create_recipient(
    actor, municipality: Municipality, *, relatives: list[dict] | None = None, **data
) -> Recipient:
    data.setdefault("name", "")
    clean = _clean_recipient(data, municipality.id)
    recipient = Recipient(municipality_id=municipality.id, **clean)
    db.session.add(recipient)
    _set_relatives(recipient, relatives or [])
    db.session.flush()
    audit.record(
        actor,
        "recipient.create",
        recipient,
        f"Tjenestemottaker {recipient.id} registrert",
        changes=redact(audit.diff({}, _recipient_state(recipient)), PERSONAL_RECIPIENT_FIELDS),
        municipality_id=municipality.id,
    )
    return recipient


@operation
def update_recipient(
    actor,
    recipient: Recipient,
    *,
    relatives: list[dict] | None = None,
    expected_version: int | None = None,
    **data,
) -> Recipient:
    check_version(recipient, expected_version)
    if recipient.anonymised_at is not None:
        raise ConflictError(_l("The recipient's record has been anonymised."))
    before = _recipient_state(recipient)
    clean = _clean_recipient(data, recipient.municipality_id)
    for key, value in clean.items():
        setattr(recipient, key, value)
    if relatives is not None:
        _set_relatives(recipient, relatives)
    db.session.flush()
    changes = redact(audit.diff(before, _recipient_state(recipient)), PERSONAL_RECIPIENT_FIELDS)
    if changes:
        recipient.updated_at = utcnow()  # relatives alone also bump the version
        audit.record(
            actor,
            "recipient.update",
            recipient,
            f"Tjenestemottaker {recipient.id} endret",
            changes=changes,
            municipality_id=recipient.municipality_id,
        )
    return recipient


def _personal_words(recipient: Recipient) -> list[str]:
    """The names, numbers and address that identify the recipient in free text."""
    words = [recipient.name, recipient.address, recipient.journal_ref, recipient.decision_ref]
    people = [(recipient.name, recipient.phone)] + [(r.name, r.phone) for r in recipient.relatives]
    for name, phone in people:
        words += [name, *re.split(r"[\s-]+", name or "")]
        if phone:
            words += [phone, phone.removeprefix("+47")]
    return [w for w in words if w]


@operation
def anonymise_recipient(actor, recipient: Recipient) -> None:
    """Forget who the recipient was; keep what happened with the devices and tickets.

    Clears the personal fields and the relatives, takes the recipient's names and
    numbers out of the free text written about them (job notes, placement notes,
    return notes, and through `recipient_anonymised` the tickets), and marks the record.
    Recorded by the caller as a count (`vftops.equipment.purge`), never by name."""
    if recipient.anonymised_at is not None:
        return
    take_write_lock(Recipient, recipient.id)  # an install at the same moment waits or loses
    if open_placements_of(recipient):
        raise ConflictError(_l("The recipient still has a device: take it back first."))
    scrub = scrubber(_personal_words(recipient))
    for key in PERSONAL_RECIPIENT_FIELDS:
        if key not in ("name", "relatives"):
            setattr(recipient, key, None)
    recipient.name = ANONYMISED_NAME
    recipient.next_evaluation_on = None
    recipient.relatives[:] = []
    recipient.anonymised_at = utcnow()
    db.session.execute(
        update(Visit).where(Visit.recipient_id == recipient.id).values(note=None),
        execution_options={"synchronize_session": False},
    )
    placement_ids = select(Placement.id).where(Placement.recipient_id == recipient.id)
    db.session.execute(
        update(Placement)
        .where(Placement.recipient_id == recipient.id)
        .values(config_note=None, training_note=None, config_settings={}),
        execution_options={"synchronize_session": False},
    )
    if scrub is not None:
        # Every note on a device they had, also the reset or repair after it came back.
        devices = select(Placement.device_id).where(Placement.recipient_id == recipient.id)
        audit.scrub_append_only(
            Movement.__table__,
            "reason",
            Movement.placement_id.in_(placement_ids) | Movement.device_id.in_(devices),
            scrub,
        )
    # Other modules forget what they wrote about the recipient (tickets, consumables),
    # even when no name is long enough to search for: they clear their own fields.
    recipient_anonymised.send(recipient, scrub=scrub)


def anonymised_now(recipient: Recipient) -> bool:
    """Whether the recipient is anonymised as of now, not as of this transaction's first
    read: on PostgreSQL the row is locked, so a purge running at the same moment either
    finished first (and is seen) or waits for this install (and finds the placement)."""
    stmt = select(Recipient.anonymised_at).where(Recipient.id == recipient.id)
    if db.session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt) is not None


def open_placements_of(recipient: Recipient) -> bool:
    return (
        db.session.scalar(
            select(Placement.id)
            .where(Placement.recipient_id == recipient.id, Placement.returned_at.is_(None))
            .limit(1)
        )
        is not None
    )


@operation
def record_recipient_view(actor, recipient: Recipient, *, via: str = "page") -> None:
    """Normen: every read of a recipient's personal data is logged (who, when, whom)."""
    audit.record(
        actor,
        "recipient.view",
        recipient,
        f"Tjenestemottaker {recipient.id} vist ({via})",
        municipality_id=recipient.municipality_id,
    )
