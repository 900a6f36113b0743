"""Devices: registering, receiving, importing, editing and their status."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.equipment import checklist as cl
from vftops.equipment import transfer
from vftops.equipment.identifiers import (
    clean_iccid,
    clean_imei,
    clean_mac,
    clean_phone,
    normalise_serial,
    numbered_serials,
)
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Movement,
    MovementKind,
    Ownership,
    Placement,
    Product,
    Store,
)
from vftops.equipment.status import OWN_STEPS, STATUS_LABELS, TRANSITIONS, allowed_next
from vftops.extensions import db

from .common import DEVICE_FIELDS, open_placement

# --- devices ------------------------------------------------------------------------


MAX_COST = Decimal("10000000000")  # devices.cost is numeric(12, 2)


def clean_identifiers(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list]]:
    out: dict[str, Any] = {}
    fields: dict[str, list] = {}
    for key, cleaner in (
        ("imei", clean_imei),
        ("iccid", clean_iccid),
        ("phone_number", clean_phone),
        ("mac_address", clean_mac),
    ):
        if key in data:
            value, error = cleaner(data.get(key))
            out[key] = value
            if error:
                fields[key] = [error]
    if "firmware_version" in data:
        out["firmware_version"] = text_or_none(data.get("firmware_version"))
    if "ownership" in data:
        ownership = data.get("ownership") or Ownership.OWNED.value
        if ownership not in {o.value for o in Ownership}:
            fields["ownership"] = [_l("Choose owned or leased.")]
        out["ownership"] = ownership
    for key in ("acquired_on", "warranty_until"):
        if key in data:
            value = data.get(key)
            if isinstance(value, str) and value:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    fields[key] = [_l("Not a valid date.")]
            out[key] = value or None
    if "cost" in data:
        value = data.get("cost")
        if value in ("", None):
            out["cost"] = None
        else:
            try:
                out["cost"] = Decimal(str(value).replace(",", ".").replace(" ", ""))
                # numeric(12, 2): no more than ten digits of kroner, nothing negative.
                if not out["cost"].is_finite() or not 0 <= out["cost"] < MAX_COST:
                    raise InvalidOperation
            except InvalidOperation:
                fields["cost"] = [_l("Give the cost in kroner, e.g. 2490.00.")]
    return out, fields


def _serial_taken(product_id: int, serial: str, exclude_id: int | None = None) -> Device | None:
    stmt = select(Device).where(Device.product_id == product_id, Device.serial_number == serial)
    if exclude_id is not None:
        stmt = stmt.where(Device.id != exclude_id)
    return db.session.scalars(stmt).first()


def serials_elsewhere(serials, product_id: int) -> dict[str, str]:
    """Which of these serials are registered for another product: serial → that product."""
    found: dict[str, str] = {}
    serials = sorted(set(serials))
    for start in range(0, len(serials), 5000):
        rows = db.session.execute(
            select(Device.serial_number, Product.manufacturer, Product.model)
            .join(Product, Product.id == Device.product_id)
            .where(
                Device.serial_number.in_(serials[start : start + 5000]),
                Device.product_id != product_id,
            )
        )
        for serial, manufacturer, model in rows:
            found.setdefault(serial, f"{manufacturer} {model}")
    return found


SHARED_SERIAL_HINT = _l(
    "If two manufacturers really use the same number, tick «Another manufacturer uses the "
    "same number» and try again."
)


def shared_serial_error(serial: str, other: str) -> ConflictError:
    message = _l("%(serial)s is already registered for %(product)s.", serial=serial, product=other)
    return ConflictError(
        message,
        fields={"serial_number": [message, SHARED_SERIAL_HINT]},
        details={"registered_for": other, "confirm_with": "shared_serial_ok"},
    )


def duplicate_serial_error(serial: str, existing: Device) -> ConflictError:
    message = _l("Serial number %(serial)s is already registered for this product.", serial=serial)
    return ConflictError(
        message, fields={"serial_number": [message]}, details={"device_id": existing.id}
    )


def append_movement(
    actor,
    device: Device,
    kind: MovementKind,
    to_status: DeviceStatus,
    *,
    to_store: Store | None = None,
    placement: Placement | None = None,
    reason: str | None = None,
    new: bool = False,
    at: datetime | None = None,
) -> Movement:
    """Change the device's status and place, and write the ledger line for it."""
    movement = Movement(
        at=at or utcnow(),
        device_id=device.id,
        municipality_id=device.municipality_id,
        actor_id=actor.id if actor is not None else None,
        kind=kind.value,
        from_status=None if new else device.status,
        to_status=to_status.value,
        from_store_id=None if new else device.store_id,
        to_store_id=to_store.id if to_store is not None else None,
        placement_id=placement.id if placement is not None else None,
        reason=text_or_none(reason),
    )
    device.status = to_status.value
    device.status_changed_at = movement.at
    device.store = to_store  # the relationship, so the loaded device shows its new place
    db.session.add(movement)
    return movement


def check_store(store: Store | None, municipality_id: int, field: str = "store_id") -> Store:
    if store is None:
        message = _l("Choose a store.")
        raise ValidationError(message, fields={field: [message]})
    if not store.is_active:
        message = _l("%(store)s is archived and takes no devices.", store=store.name)
        raise ConflictError(message, fields={field: [message]})
    if not store.serves(municipality_id):
        message = _l("The store belongs to another municipality than the device.")
        raise ValidationError(message, fields={field: [message]})
    return store


@operation
def register_device(
    actor,
    *,
    product: Product,
    store: Store,
    serial_number: str,
    reason: str | None = None,
    received_at: datetime | None = None,
    shared_serial_ok: bool = False,
    **data,
) -> Device:
    """A new device arrives in a store (a delivery, or one found without a record).

    A serial registered for another product is refused (it is most often the wrong
    product chosen) unless `shared_serial_ok` confirms two manufacturers use it."""
    fields: dict[str, list] = {}
    serial = normalise_serial(serial_number)
    if not serial:
        fields["serial_number"] = [_l("Enter the serial number.")]
    elif len(serial) > 64:
        fields["serial_number"] = [_l("A serial number has at most 64 characters.")]
    if not product.is_serialised:
        fields["product_id"] = [
            _l("%(name)s is counted, not tracked by serial number.", name=product.name)
        ]
    if not product.is_active:
        fields["product_id"] = [_l("%(name)s is no longer in use.", name=product.name)]
    identifiers, id_errors = clean_identifiers(data)
    fields |= id_errors
    if fields:
        raise invalid(fields)
    check_store(store, store.municipality_id)
    existing = _serial_taken(product.id, serial)
    if existing is not None:
        raise duplicate_serial_error(serial, existing)
    if not shared_serial_ok:
        other = serials_elsewhere([serial], product.id).get(serial)
        if other is not None:
            raise shared_serial_error(serial, other)
    device = Device(
        product_id=product.id,
        municipality_id=store.municipality_id,
        serial_number=serial,
        serial_reversed=serial[::-1],
        status=DeviceStatus.IN_STOCK.value,
        store_id=store.id,
        **identifiers,
    )
    db.session.add(device)
    db.session.flush()
    append_movement(
        actor,
        device,
        MovementKind.RECEIVE,
        DeviceStatus.IN_STOCK,
        to_store=store,
        reason=reason,
        new=True,
        at=received_at,
    )
    audit.record(
        actor,
        "device.register",
        device,
        f"{product.name} {serial} registrert på {store.name}",
        changes=audit.diff({}, audit.snapshot(device, DEVICE_FIELDS)),
        municipality_id=device.municipality_id,
    )
    return device


@operation
def receive_devices(
    actor,
    *,
    product: Product,
    store: Store,
    serial_lines: list[str],
    reason: str | None = None,
    shared_serial_ok: bool = False,
) -> list[Device]:
    """Register a whole delivery: every serial or none. Each bad line is named; a serial
    registered for another product too, unless `shared_serial_ok` says both are right."""
    lines, problems = numbered_serials(serial_lines)
    seen = {serial: number for number, serial in lines}
    serials: list[str] = []
    for number, serial in lines:
        if len(serial) > 64:
            problems.append(
                str(_l("Line %(n)d: a serial number has at most 64 characters.", n=number))
            )
            continue
        serials.append(serial)
    if not seen and not problems:
        message = _l("Scan or paste at least one serial number.")
        raise ValidationError(message, fields={"serials": [message]})
    if serials:
        taken = set(
            db.session.scalars(
                select(Device.serial_number).where(
                    Device.product_id == product.id, Device.serial_number.in_(serials)
                )
            )
        )
        for serial in serials:
            if serial in taken:
                problems.append(
                    str(
                        _l(
                            "Line %(n)d: %(serial)s is already registered.",
                            n=seen[serial],
                            serial=serial,
                        )
                    )
                )
    elsewhere = serials_elsewhere(serials, product.id) if serials and not shared_serial_ok else {}
    for serial in serials:
        if serial in elsewhere:
            problems.append(
                str(
                    _l(
                        "Line %(n)d: %(serial)s is already registered for %(product)s.",
                        n=seen[serial],
                        serial=serial,
                        product=elsewhere[serial],
                    )
                )
            )
    if problems:
        raise ValidationError(
            _l("Nothing was registered. Correct these lines and try again.")
            if not elsewhere
            else SHARED_SERIAL_HINT,
            fields={"serials": problems},
            details={"registered_for_other_products": len(elsewhere)} if elsewhere else None,
        )
    return [
        register_device(
            actor,
            product=product,
            store=store,
            serial_number=s,
            reason=reason,
            shared_serial_ok=True,  # checked above, for the whole delivery at once
        )
        for s in serials
    ]


@operation
def import_devices(
    actor,
    rows: list[dict[str, Any]],
    *,
    reason: str | None = None,
    shared_serial_ok: bool = False,
) -> list[Device]:
    """Register every row of an imported file, or none: each refused row is named.

    `rows` come from `transfer.parse_import`. Every row is checked first; then
    each device is registered like any other (movement and audit event), and
    the savepoint undoes them all if one fails.
    """
    plan = transfer.plan_import(actor, rows, shared_serial_ok=shared_serial_ok)
    if plan.problems:
        raise ValidationError(
            _l("Nothing was registered. Correct these rows and try again."),
            fields={"rows": [str(problem) for problem in plan.problems.messages()]},
        )
    if not plan.devices:
        message = _l("The file has a header row but no devices.")
        raise ValidationError(message, fields={"file": [message]})
    # Everything was checked above, in batches; write in batches too. Each device
    # still gets its ledger line and its audit event, as register_device gives it.
    # A serial someone registers meanwhile trips the unique constraint: all undone.
    now = utcnow()
    actor_id = actor.id if actor is not None else None
    devices = []
    for planned in plan.devices:
        identifiers, _errors = clean_identifiers(planned.data)
        serial = normalise_serial(planned.serial_number)
        devices.append(
            Device(
                product_id=planned.product.id,
                municipality_id=planned.store.municipality_id,
                serial_number=serial,
                serial_reversed=serial[::-1],
                status=DeviceStatus.IN_STOCK.value,
                store_id=planned.store.id,
                **identifiers,
            )
        )
    db.session.add_all(devices)
    db.session.flush()
    db.session.execute(
        insert(Movement),
        [
            {
                "device_id": d.id,
                "municipality_id": d.municipality_id,
                "at": now,
                "actor_id": actor_id,
                "kind": MovementKind.RECEIVE.value,
                "from_status": None,
                "to_status": DeviceStatus.IN_STOCK.value,
                "from_store_id": None,
                "to_store_id": d.store_id,
                "placement_id": None,
                "reason": text_or_none(reason) or "import",
            }
            for d in devices
        ],
    )
    names = {planned.product.id: planned.product.name for planned in plan.devices}
    db.session.execute(
        insert(audit.AuditEvent),
        [
            {
                "created_at": now,
                "actor_id": actor_id,
                "action": "device.register",
                "object_type": "devices",
                "object_id": str(d.id),
                "municipality_id": d.municipality_id,
                "subject_user_id": None,
                "summary": f"{names[d.product_id]} {d.serial_number} registrert (import)",
                "changes": audit.diff({}, audit.snapshot(d, DEVICE_FIELDS)),
            }
            for d in devices
        ],
    )
    return devices


@operation
def update_device(
    actor, device: Device, *, expected_version=None, shared_serial_ok: bool = False, **data
) -> Device:
    """Change a device's identifiers and purchase data. Status and place have their own steps.
    A new serial registered for another product is refused unless `shared_serial_ok`."""
    check_version(device, expected_version)
    before = audit.snapshot(device, DEVICE_FIELDS)
    fields: dict[str, list] = {}
    if "serial_number" in data:
        serial = normalise_serial(data["serial_number"])
        if not serial:
            fields["serial_number"] = [_l("Enter the serial number.")]
        else:
            existing = _serial_taken(device.product_id, serial, exclude_id=device.id)
            if existing is not None:
                raise duplicate_serial_error(serial, existing)
            other = None
            if serial != device.serial_number and not shared_serial_ok:
                other = serials_elsewhere([serial], device.product_id).get(serial)
            if other is not None:
                raise shared_serial_error(serial, other)
            device.serial_number = serial
            device.serial_reversed = serial[::-1]
    identifiers, id_errors = clean_identifiers(data)
    fields |= id_errors
    if fields:
        raise invalid(fields)
    for key, value in identifiers.items():
        setattr(device, key, value)
    changes = audit.diff(before, audit.snapshot(device, DEVICE_FIELDS))
    if changes:
        audit.record(
            actor,
            "device.update",
            device,
            f"Enhet {device.serial_number} endret",
            changes=changes,
            municipality_id=device.municipality_id,
        )
    return device


def status_conflict(device: Device, wanted: str | None = None) -> ConflictError:
    """409 that names the current status, where the device is, and what may come next."""
    label = STATUS_LABELS.get(DeviceStatus(device.status), device.status)
    where = ""
    if device.status == DeviceStatus.INSTALLED:
        placement = open_placement(device)
        if placement is not None:
            where = placement.recipient.name
    message = (
        _l("The device is %(status)s (at %(where)s).", status=label, where=where)
        if where
        else _l("The device is %(status)s.", status=label)
    )
    return ConflictError(
        message,
        details={"status": device.status, "allowed": allowed_next(device.status), "wanted": wanted},
    )


_KIND_FOR = {
    (DeviceStatus.AWAITING_RESET, DeviceStatus.IN_STOCK): MovementKind.RESET,
    (DeviceStatus.IN_REPAIR, DeviceStatus.IN_STOCK): MovementKind.REPAIRED,
    (DeviceStatus.IN_REPAIR, DeviceStatus.AWAITING_RESET): MovementKind.REPAIRED,
    (DeviceStatus.LOST, DeviceStatus.IN_STOCK): MovementKind.FOUND,
    (DeviceStatus.LOST, DeviceStatus.AWAITING_RESET): MovementKind.FOUND,
}


@operation
def change_status(
    actor,
    device: Device,
    to_status: str,
    *,
    store: Store | None = None,
    reason: str | None = None,
    checklist: list[str] | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Movement:
    """Repair, reset, scrap, lose or find a device that is not installed."""
    check_version(device, expected_version)
    current = DeviceStatus(device.status)
    try:
        wanted = DeviceStatus(to_status)
    except ValueError as exc:
        raise status_conflict(device, to_status) from exc
    if current in OWN_STEPS or wanted in OWN_STEPS or wanted not in TRANSITIONS[current]:
        raise status_conflict(device, wanted.value)
    target_store = None
    if wanted in (DeviceStatus.IN_STOCK, DeviceStatus.AWAITING_RESET):
        target_store = check_store(store or device.store, device.municipality_id)
    elif wanted == DeviceStatus.IN_REPAIR:
        # At the supplier, but still counted as the store's (it comes back there).
        target_store = (
            check_store(store, device.municipality_id) if store is not None else device.store
        )
    if wanted == DeviceStatus.IN_STOCK and current == DeviceStatus.AWAITING_RESET:
        ticked = cl.clean_checklist(device.product, checklist)
        if not cl.is_complete(ticked):
            message = _l("Tick every item of the checklist before the device goes back in stock.")
            raise ValidationError(message, fields={"checklist": [message]})
    kind = _KIND_FOR.get(
        (current, wanted),
        {
            DeviceStatus.IN_REPAIR: MovementKind.REPAIR,
            DeviceStatus.SCRAPPED: MovementKind.SCRAP,
            DeviceStatus.LOST: MovementKind.LOST,
        }.get(wanted, MovementKind.CORRECTION),
    )
    before = audit.snapshot(device, ("status", "store_id"))
    movement = append_movement(
        actor, device, kind, wanted, to_store=target_store, reason=reason, at=at
    )
    audit.record(
        actor,
        f"device.{kind.value}",
        device,
        f"Enhet {device.serial_number}: {current.value} → {wanted.value}",
        changes=audit.diff(before, audit.snapshot(device, ("status", "store_id"))),
        municipality_id=device.municipality_id,
    )
    return movement
