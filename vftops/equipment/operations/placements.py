"""Placements: installing, returning and replacing a device at a recipient."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.i18n import format_d
from vftops.core.models import utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.equipment import checklist as cl
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    MovementKind,
    Placement,
    Product,
    Recipient,
    ReturnReason,
    Store,
    Visit,
    VisitStatus,
)
from vftops.extensions import db

from .devices import append_movement, check_store, status_conflict
from .recipients import anonymised_now

# --- placements ---------------------------------------------------------------------


def _clean_settings(settings) -> dict[str, str]:
    if not settings:
        return {}
    if isinstance(settings, str):
        pairs = {}
        for line in settings.splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                message = _l("Write one setting per line as name = value.")
                raise ValidationError(message, fields={"config_settings": [message]})
            pairs[key.strip()] = value.strip()
        return pairs
    return {str(k).strip(): str(v).strip() for k, v in dict(settings).items() if str(k).strip()}


def install_warnings(device: Device, recipient: Recipient) -> list:
    """What makes an install at this person look like a mistake: their service has
    ended, or they already have a device of the same kind in use."""
    warnings = []
    if recipient.service_ended_on is not None:
        warnings.append(
            _l(
                "The service for %(name)s ended %(date)s.",
                name=recipient.name,
                date=format_d(recipient.service_ended_on),
            )
        )
    same_kind = db.session.scalars(
        select(Device)
        .join(Placement, Placement.device_id == Device.id)
        .join(Product, Product.id == Device.product_id)
        .where(
            Placement.recipient_id == recipient.id,
            Placement.returned_at.is_(None),
            Product.category == device.product.category,
        )
        .options(joinedload(Device.product))
    ).all()
    if same_kind:
        warnings.append(
            _l(
                "%(name)s already has %(devices)s in use, of the same kind.",
                name=recipient.name,
                devices=", ".join(f"{d.product.name} {d.serial_number}" for d in same_kind),
            )
        )
    return warnings


class NeedsConfirmation(ConflictError):
    """The change looks like a mistake; it is made only when the person confirms it."""


@operation
def install(
    actor,
    device: Device,
    recipient: Recipient,
    *,
    installed_at: datetime | None = None,
    config_note: str | None = None,
    config_settings=None,
    training_note: str | None = None,
    follow_up_on: date | None = None,
    replaces: Placement | None = None,
    expected_version: int | None = None,
    confirmed: bool = False,
    visit: Visit | None = None,
) -> Placement:
    """Place a device from a store with a recipient, with its agreed configuration.

    An install at someone whose service has ended, or who already has a device of
    that kind in use, is refused (NeedsConfirmation, naming why) until `confirmed`."""
    check_version(device, expected_version)
    if device.status != DeviceStatus.IN_STOCK:
        raise status_conflict(device, DeviceStatus.INSTALLED.value)
    if recipient.municipality_id != device.municipality_id:
        message = _l("The device belongs to another municipality than the recipient.")
        raise ValidationError(message, fields={"device_id": [message]})
    if anonymised_now(recipient):
        raise ConflictError(_l("The recipient's record has been anonymised."))
    if not confirmed:
        warnings = install_warnings(device, recipient)
        if warnings:
            raise NeedsConfirmation(
                _l("Check before you install: %(why)s", why=" ".join(str(w) for w in warnings)),
                details={"warnings": [str(w) for w in warnings], "confirm_with": "confirmed"},
            )
    settings = _clean_settings(config_settings)
    placement = Placement(
        device_id=device.id,
        recipient_id=recipient.id,
        municipality_id=recipient.municipality_id,
        installed_at=installed_at or utcnow(),
        installed_by_id=actor.id if actor is not None else None,
        config_note=text_or_none(config_note),
        config_settings=settings,
        training_note=text_or_none(training_note),
        follow_up_on=follow_up_on,
        replaces_id=replaces.id if replaces is not None else None,
    )
    db.session.add(placement)
    db.session.flush()
    append_movement(
        actor,
        device,
        MovementKind.INSTALL,
        DeviceStatus.INSTALLED,
        placement=placement,
        at=placement.installed_at,
    )
    audit.record(
        actor,
        "placement.install",
        placement,
        f"{device.product.name} {device.serial_number} installert"
        f" hos tjenestemottaker {recipient.id}",
        changes={
            "device": {"before": None, "after": device.serial_number},
            # Which settings, not their values: a contact's name and phone are often one.
            "config_settings": {"before": None, "after": sorted(settings)},
        },
        municipality_id=recipient.municipality_id,
    )
    if visit is not None:
        _job_done(actor, visit, recipient, device=device)
    return placement


def _job_done(actor, visit: Visit, recipient: Recipient, *, device=None, placement=None) -> None:
    """The job on the technician's list that this action was done from is done with it."""
    if visit.recipient_id != recipient.id:
        message = _l("The job is for another recipient.")
        raise ValidationError(message, fields={"visit_id": [message]})
    if visit.status != VisitStatus.PLANNED:
        return  # finished meanwhile (by a colleague, or «Done» in another tab)
    if device is not None and visit.device_id is None:
        visit.device_id = device.id  # «decide at the store»: now decided
    visit.status = VisitStatus.DONE.value
    visit.done_at = utcnow()
    audit.record(
        actor,
        "visit.done",
        visit,
        f"Oppdrag {visit.id} utført"
        + (f" ({device.serial_number})" if device is not None else "")
        + (f" ({placement.device.serial_number})" if placement is not None else ""),
        municipality_id=visit.municipality_id,
    )


class Destination:
    STORE = "store"
    REPAIR = "repair"
    SCRAP = "scrap"
    LOST = "lost"
    ALL = ("store", "repair", "scrap", "lost")


@operation
def return_device(
    actor,
    placement: Placement,
    *,
    reason: str,
    destination: str,
    store: Store | None = None,
    checklist: list[str] | None = None,
    note: str | None = None,
    returned_at: datetime | None = None,
    visit: Visit | None = None,
) -> Placement:
    """Take a device back from a recipient and send it to a store, repair, scrap or lost.
    Done from a job on the technician's list (`visit`), the job is done too."""
    device = placement.device
    if placement.returned_at is not None or device.status != DeviceStatus.INSTALLED:
        raise status_conflict(device, "return")
    fields: dict[str, list] = {}
    if reason not in {r.value for r in ReturnReason}:
        fields["reason"] = [_l("Choose why the device is taken back.")]
    if destination not in Destination.ALL:
        fields["destination"] = [_l("Choose where the device goes.")]
    if fields:
        raise invalid(fields)
    ticked = cl.clean_checklist(device.product, checklist)
    to_store = None
    if destination == Destination.STORE:
        to_store = check_store(store, device.municipality_id)
        status = DeviceStatus.IN_STOCK if cl.is_complete(ticked) else DeviceStatus.AWAITING_RESET
    else:
        if destination == Destination.REPAIR and store is not None:
            # In repair but counted as the store's: it comes back there.
            to_store = check_store(store, device.municipality_id)
        status = {
            Destination.REPAIR: DeviceStatus.IN_REPAIR,
            Destination.SCRAP: DeviceStatus.SCRAPPED,
            Destination.LOST: DeviceStatus.LOST,
        }[destination]
    placement.returned_at = returned_at or utcnow()
    placement.returned_by_id = actor.id if actor is not None else None
    placement.return_reason = reason
    placement.return_checklist = ticked
    append_movement(
        actor,
        device,
        MovementKind.RETURN,
        status,
        to_store=to_store,
        placement=placement,
        reason=note or reason,
        at=placement.returned_at,
    )
    audit.record(
        actor,
        "placement.return",
        placement,
        f"{device.product.name} {device.serial_number} hentet ({reason}) → {status.value}",
        changes={"status": {"before": DeviceStatus.INSTALLED.value, "after": status.value}},
        municipality_id=placement.municipality_id,
    )
    if visit is not None:
        _job_done(actor, visit, placement.recipient, placement=placement)
    return placement


@operation
def replace_device(
    actor,
    placement: Placement,
    replacement: Device,
    *,
    destination: str = Destination.REPAIR,
    store: Store | None = None,
    reason: str = ReturnReason.FAULTY.value,
    note: str | None = None,
    at: datetime | None = None,
    visit: Visit | None = None,
) -> Placement:
    """The faulty-device case in one step: take it back and install a replacement of the
    same category with the same configuration deviations. Done from a job on the
    technician's list (`visit`), the job is done too."""
    old = placement.device
    if replacement.id == old.id:
        message = _l("Choose another device as the replacement.")
        raise ValidationError(message, fields={"replacement_id": [message]})
    if replacement.product.category != old.product.category:
        message = _l("The replacement must be of the same category as the faulty device.")
        raise ValidationError(message, fields={"replacement_id": [message]})
    if replacement.status != DeviceStatus.IN_STOCK:
        raise status_conflict(replacement, DeviceStatus.INSTALLED.value)
    return_device(
        actor,
        placement,
        reason=reason,
        destination=destination,
        store=store,
        checklist=[],
        note=note,
        returned_at=at,
    )
    return install(
        actor,
        replacement,
        placement.recipient,
        installed_at=at,
        config_note=placement.config_note,
        config_settings=dict(placement.config_settings or {}),
        training_note=None,
        follow_up_on=placement.follow_up_on,
        replaces=placement,
        confirmed=True,  # the same kind of device, in the place of the one taken back
        visit=visit,
    )
