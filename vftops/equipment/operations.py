"""The only code that changes products, devices, recipients and placements.

Every change of a device's place or status appends a Movement and an audit
event in the same savepoint as the change itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import joinedload

from vftops.agreements.models import Supplier
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.i18n import format_d
from vftops.core.models import utcnow
from vftops.core.privacy import ANONYMISED_NAME, redact, scrubber
from vftops.core.validation import digits
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
    Category,
    Device,
    DeviceStatus,
    Movement,
    MovementKind,
    Ownership,
    Placement,
    Product,
    Recipient,
    Relative,
    ReturnReason,
    Store,
    Visit,
    VisitKind,
    VisitStatus,
)
from vftops.equipment.status import OWN_STEPS, STATUS_LABELS, TRANSITIONS, allowed_next
from vftops.extensions import db
from vftops.org.models import Municipality, Unit

PRODUCT_FIELDS = (
    "category",
    "manufacturer",
    "model",
    "is_serialised",
    "standard_configuration",
    "lifetime_months",
    "stores_personal_data",
    "return_checklist",
    "supplier_id",
    "monthly_rent",
    "test_interval_months",
    "is_active",
)
DEVICE_FIELDS = (
    "serial_number",
    "status",
    "store_id",
    "imei",
    "iccid",
    "phone_number",
    "mac_address",
    "firmware_version",
    "ownership",
    "acquired_on",
    "cost",
    "warranty_until",
)
RECIPIENT_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "access_note",
    "journal_ref",
    "decision_ref",
    "next_evaluation_on",
    "is_critical",
    "unit_id",
    "service_ended_on",
)
# Who the recipient is and how to reach them: the audit log records that these
# changed, never their values, and anonymising clears them.
PERSONAL_RECIPIENT_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "access_note",
    "journal_ref",
    "decision_ref",
    "relatives",
)

_signals = Namespace()
# Sent while a recipient is anonymised, in the same savepoint, with `scrub`: a
# function that takes their name and numbers out of a text. Modules that keep free
# text about recipients (support's tickets) connect to it.
recipient_anonymised = _signals.signal("recipient-anonymised")


def _invalid(fields: dict[str, list]) -> ValidationError:
    return ValidationError(next(iter(fields.values()))[0], fields=fields)


def _text(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


# --- catalogue ----------------------------------------------------------------------

MAX_RENT = Decimal("99999999.99")
# A periodic function test at least every ten years.
MAX_TEST_INTERVAL_MONTHS = 120


def _kroner(value) -> Decimal | None:
    """A typed sum in kroner («149,50», «1 249.00», 149.5): two decimals at most, ≥ 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    text = str(value).strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
        if not amount.is_finite() or amount < 0 or amount > MAX_RENT:
            raise ValueError(value)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(value)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    return amount.quantize(Decimal("0.01"))


def _clean_product(data: dict[str, Any], exclude_id: int | None = None) -> dict[str, Any]:
    fields: dict[str, list] = {}
    out = dict(data)
    out["manufacturer"] = (data.get("manufacturer") or "").strip()
    out["model"] = (data.get("model") or "").strip()
    if not out["manufacturer"]:
        fields["manufacturer"] = [_l("Enter the manufacturer.")]
    if not out["model"]:
        fields["model"] = [_l("Enter the model.")]
    if data.get("category") not in {c.value for c in Category}:
        fields["category"] = [_l("Choose a category.")]
    lifetime = data.get("lifetime_months")
    if lifetime in ("", None):
        out["lifetime_months"] = None
    else:
        try:
            out["lifetime_months"] = int(lifetime)
            if out["lifetime_months"] <= 0:
                raise ValueError(lifetime)
        except (TypeError, ValueError):
            fields["lifetime_months"] = [_l("Give the lifetime as a whole number of months.")]
    interval = data.get("test_interval_months")
    if interval is None or (isinstance(interval, str) and not interval.strip()):
        out["test_interval_months"] = None
    else:
        try:
            if isinstance(interval, bool) or (
                isinstance(interval, float) and not interval.is_integer()
            ):
                raise ValueError(interval)
            out["test_interval_months"] = (
                int(interval) if isinstance(interval, int | float) else int(str(interval).strip())
            )
            if not 0 < out["test_interval_months"] <= MAX_TEST_INTERVAL_MONTHS:
                raise ValueError(interval)
        except (TypeError, ValueError):
            fields["test_interval_months"] = [
                _l("Give the test interval as a whole number of months from 1 to 120.")
            ]
    try:
        out["monthly_rent"] = _kroner(data.get("monthly_rent"))
    except ValueError:
        fields["monthly_rent"] = [_l("Give the monthly rent in kroner, 0 or more, e.g. 149.00.")]
    items = data.get("return_checklist") or []
    if isinstance(items, str):
        items = items.splitlines()
    out["return_checklist"] = [i.strip() for i in items if i and i.strip()]
    out["standard_configuration"] = _text(data.get("standard_configuration"))
    supplier_id = data.get("supplier_id") or None
    if supplier_id is not None and db.session.get(Supplier, int(supplier_id)) is None:
        fields["supplier_id"] = [_l("Choose a registered supplier.")]
    out["supplier_id"] = int(supplier_id) if supplier_id is not None else None
    if fields:
        raise _invalid(fields)
    duplicate = select(Product.id).where(
        func.lower(Product.manufacturer) == out["manufacturer"].lower(),
        func.lower(Product.model) == out["model"].lower(),
    )
    if exclude_id is not None:
        duplicate = duplicate.where(Product.id != exclude_id)
    if db.session.scalar(duplicate) is not None:
        message = _l(
            "%(name)s is already in the catalogue.",
            name=f"{out['manufacturer']} {out['model']}",
        )
        raise ConflictError(message, fields={"model": [message]})
    return out


@operation
def create_product(actor, **data) -> Product:
    clean = _clean_product(data)
    product = Product(
        category=clean["category"],
        manufacturer=clean["manufacturer"],
        model=clean["model"],
        is_serialised=bool(clean.get("is_serialised", True)),
        standard_configuration=clean["standard_configuration"],
        lifetime_months=clean["lifetime_months"],
        stores_personal_data=bool(clean.get("stores_personal_data", False)),
        return_checklist=clean["return_checklist"],
        supplier_id=clean.get("supplier_id") or None,
        monthly_rent=clean["monthly_rent"],
        test_interval_months=clean.get("test_interval_months"),
    )
    db.session.add(product)
    audit.record(
        actor,
        "product.create",
        product,
        f"Produkt {product.name} lagt i katalogen",
        changes=audit.diff({}, audit.snapshot(product, PRODUCT_FIELDS)),
    )
    return product


@operation
def update_product(actor, product: Product, *, expected_version=None, **data) -> Product:
    check_version(product, expected_version)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    merged = {f: getattr(product, f) for f in PRODUCT_FIELDS} | data
    clean = _clean_product(merged, exclude_id=product.id)
    for field in PRODUCT_FIELDS:
        value = clean.get(field)
        if field in ("is_serialised", "stores_personal_data", "is_active"):
            value = bool(value)
        if field == "supplier_id":
            value = value or None
        setattr(product, field, value)
    changes = audit.diff(before, audit.snapshot(product, PRODUCT_FIELDS))
    if changes:
        audit.record(
            actor, "product.update", product, f"Produkt {product.name} endret", changes=changes
        )
    return product


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
        out["firmware_version"] = _text(data.get("firmware_version"))
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
        reason=_text(reason),
    )
    device.status = to_status.value
    device.status_changed_at = movement.at
    device.store = to_store  # the relationship, so the loaded device shows its new place
    db.session.add(movement)
    return movement


def _check_store(store: Store | None, municipality_id: int, field: str = "store_id") -> Store:
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
        raise _invalid(fields)
    _check_store(store, store.municipality_id)
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
                "reason": _text(reason) or "import",
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
        raise _invalid(fields)
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
        target_store = _check_store(store or device.store, device.municipality_id)
    elif wanted == DeviceStatus.IN_REPAIR:
        # At the supplier, but still counted as the store's (it comes back there).
        target_store = (
            _check_store(store, device.municipality_id) if store is not None else device.store
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
            out[key] = _text(data.get(key))
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
        raise _invalid(fields)
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
                relation=_text(rel.get("relation")),
                responds_to_alarms=bool(rel.get("responds_to_alarms")),
            )
        )
    if problems:
        raise _invalid(problems)
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


def _anonymised_now(recipient: Recipient) -> bool:
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


# --- placements ---------------------------------------------------------------------


def open_placement(device: Device) -> Placement | None:
    return db.session.scalars(
        select(Placement).where(Placement.device_id == device.id, Placement.returned_at.is_(None))
    ).first()


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
    if _anonymised_now(recipient):
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
        config_note=_text(config_note),
        config_settings=settings,
        training_note=_text(training_note),
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
        raise _invalid(fields)
    ticked = cl.clean_checklist(device.product, checklist)
    to_store = None
    if destination == Destination.STORE:
        to_store = _check_store(store, device.municipality_id)
        status = DeviceStatus.IN_STOCK if cl.is_complete(ticked) else DeviceStatus.AWAITING_RESET
    else:
        if destination == Destination.REPAIR and store is not None:
            # In repair but counted as the store's: it comes back there.
            to_store = _check_store(store, device.municipality_id)
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
    from vftops.core.permissions import Permission
    from vftops.core.scope import municipality_ids

    fields: dict[str, list] = {}
    if kind not in {k.value for k in VisitKind}:
        fields["kind"] = [_l("Choose what is to be done.")]
    if planned_on is None:
        fields["planned_on"] = [_l("Choose a day.")]
    if (
        assigned_to is None
        or not assigned_to.is_active_user
        or not assigned_to.can(Permission.PLACEMENTS_MANAGE)
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
        raise _invalid(fields)
    visit = Visit(
        municipality_id=recipient.municipality_id,
        kind=kind,
        recipient_id=recipient.id,
        device_id=device.id if device is not None else None,
        placement_id=placement.id if placement is not None else None,
        assigned_to_id=assigned_to.id,
        planned_on=planned_on,
        note=_text(note),
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
