"""The technician's day: planning and finishing visits."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Placement,
    Recipient,
    Visit,
    VisitKind,
    VisitStatus,
)
from vftops.equipment.permissions import PLACEMENTS_MANAGE
from vftops.extensions import db

# --- the technician's day -----------------------------------------------------------


@operation
def plan_visit(
    actor,
    recipient: Recipient,
    *,
    kind: str,
    assigned_to,
    planned_on: date,
    device: Device | None = None,
    placement: Placement | None = None,
    note: str | None = None,
) -> Visit:
    """Put a job on a technician's list: install, take back, replace or test at a recipient."""
    from vftops.core.scope import municipality_ids

    fields: dict[str, list] = {}
    if kind not in {k.value for k in VisitKind}:
        fields["kind"] = [_l("Choose what is to be done.")]
    if planned_on is None:
        fields["planned_on"] = [_l("Choose a day.")]
    if (
        assigned_to is None
        or not assigned_to.is_active_user
        or not assigned_to.can(PLACEMENTS_MANAGE)
    ):
        fields["assigned_to_id"] = [_l("Choose a technician who installs and takes back devices.")]
    elif recipient.municipality_id not in municipality_ids(assigned_to):
        fields["assigned_to_id"] = [
            _l("The technician does not work in the recipient's municipality.")
        ]
    if device is not None and device.municipality_id != recipient.municipality_id:
        fields["device_id"] = [_l("The device belongs to another municipality than the recipient.")]
    elif device is not None and kind == "install":
        if device.status != DeviceStatus.IN_STOCK:
            fields["device_id"] = [_l("Choose a device that is in stock.")]
        elif db.session.scalar(
            select(Visit.id).where(
                Visit.device_id == device.id, Visit.status == VisitStatus.PLANNED
            )
        ):
            fields["device_id"] = [_l("That device is already chosen for another planned job.")]
    if placement is not None and placement.recipient_id != recipient.id:
        fields["placement_id"] = [_l("That device is not installed at this recipient.")]
    if fields:
        raise invalid(fields)
    visit = Visit(
        municipality_id=recipient.municipality_id,
        kind=kind,
        recipient_id=recipient.id,
        device_id=device.id if device is not None else None,
        placement_id=placement.id if placement is not None else None,
        assigned_to_id=assigned_to.id,
        planned_on=planned_on,
        note=text_or_none(note),
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(visit)
    audit.record(
        actor,
        "visit.plan",
        visit,
        f"Oppdrag ({kind}) hos tjenestemottaker {recipient.id} {planned_on.isoformat()}"
        f" for {assigned_to.username}",
        municipality_id=recipient.municipality_id,
    )
    return visit


@operation
def finish_visit(actor, visit: Visit, *, status: str = VisitStatus.DONE.value) -> Visit:
    """Mark a job done (or cancelled); a job can be finished once."""
    if visit.status != VisitStatus.PLANNED:
        raise ConflictError(_l("This job is already finished."))
    if status not in (VisitStatus.DONE, VisitStatus.CANCELLED):
        raise ValidationError(_l("Choose done or cancelled."))
    visit.status = status
    visit.done_at = utcnow()
    audit.record(
        actor,
        f"visit.{status}",
        visit,
        f"Oppdrag {visit.id} {status}",
        municipality_id=visit.municipality_id,
    )
    return visit
