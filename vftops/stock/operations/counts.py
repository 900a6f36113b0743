"""Stock counts: scanning, counting, confirming and cancelling."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.equipment import operations as eq
from vftops.equipment.identifiers import numbered_serials
from vftops.equipment.models import Device, DeviceStatus, MovementKind, Product, Store
from vftops.extensions import db
from vftops.stock.models import (
    CountStatus,
    StockCount,
    StockCountQuantity,
    StockCountScan,
)

from .common import require_active, whole_number
from .consumables import adjust_consumables, check_consumable

# --- stock counts -----------------------------------------------------------------------


@operation
def start_count(actor, store: Store, *, note: str | None = None) -> StockCount:
    require_active(store)
    open_count = db.session.scalars(
        select(StockCount).where(
            StockCount.store_id == store.id, StockCount.status == CountStatus.OPEN
        )
    ).first()
    if open_count is not None:
        raise ConflictError(
            _l("A count of %(store)s is already under way.", store=store.name),
            details={"count_id": open_count.id},
        )
    count = StockCount(
        store_id=store.id,
        municipality_id=store.municipality_id,
        status=CountStatus.OPEN.value,
        started_by_id=actor.id if actor is not None else None,
        note=text_or_none(note),
    )
    db.session.add(count)
    audit.record(
        actor,
        "stock_count.start",
        count,
        f"Varetelling startet på {store.name}",
        municipality_id=store.municipality_id,
    )
    return count


def _check_open(count: StockCount) -> None:
    if count.status != CountStatus.OPEN:
        raise ConflictError(
            _l("The count is already confirmed or cancelled."), details={"status": count.status}
        )


@operation
def add_count_scans(actor, count: StockCount, serial_lines: list[str]) -> dict[str, int]:
    """Record scanned serials. Scanning one twice is harmless."""
    _check_open(count)
    lines, _dupes = numbered_serials(serial_lines)
    if not lines:
        message = _l("Scan or paste at least one serial number.")
        raise ValidationError(message, fields={"serials": [message]})
    wanted = [s for _n, s in lines]
    already = set(
        db.session.scalars(
            select(StockCountScan.serial_number).where(
                StockCountScan.count_id == count.id, StockCountScan.serial_number.in_(wanted)
            )
        )
    )
    store = count.store
    served = store.served_municipality_ids
    devices: dict[str, Device] = {}
    for device in db.session.scalars(
        select(Device).where(Device.serial_number.in_(wanted), Device.municipality_id.in_(served))
    ):
        # Several products may share a serial: prefer the one registered here.
        current = devices.get(device.serial_number)
        if current is None or (device.store_id == store.id and current.store_id != store.id):
            devices[device.serial_number] = device
    added = 0
    for _n, serial in lines:
        if serial in already:
            continue
        device = devices.get(serial)
        db.session.add(
            StockCountScan(
                count_id=count.id,
                serial_number=serial,
                device_id=device.id if device is not None else None,
                actor_id=actor.id if actor is not None else None,
            )
        )
        added += 1
    count.updated_at = utcnow()
    return {"added": added, "repeated": len(lines) - added}


@operation
def set_count_quantities(actor, count: StockCount, amounts) -> list[StockCountQuantity]:
    """Save several counted quantities: all of them, or none with each bad one named
    (fields `counted-<product id>`)."""
    _check_open(count)
    fields: dict[str, list] = {}
    for product, value in amounts:
        try:
            check_consumable(product)
            whole_number(value, f"counted-{product.id}")
        except ValidationError as exc:
            fields[f"counted-{product.id}"] = next(iter(exc.fields.values()))
    if fields:
        raise invalid(fields)
    return [set_count_quantity(actor, count, product, value) for product, value in amounts]


@operation
def set_count_quantity(actor, count: StockCount, product: Product, counted) -> StockCountQuantity:
    _check_open(count)
    check_consumable(product)
    counted = whole_number(counted, f"counted-{product.id}")
    row = db.session.scalars(
        select(StockCountQuantity).where(
            StockCountQuantity.count_id == count.id, StockCountQuantity.product_id == product.id
        )
    ).first()
    if row is None:
        row = StockCountQuantity(count_id=count.id, product_id=product.id, counted=counted)
        db.session.add(row)
    row.counted = counted
    # Bump the version, as a scan does: a figure saved while someone confirms collides.
    count.updated_at = utcnow()
    return row


@operation
def confirm_count(
    actor,
    count: StockCount,
    *,
    lost_device_ids=(),
    reason: str | None = None,
    expected_version: int | None = None,
) -> dict[str, int]:
    """Turn the count's differences into ledger lines.

    Devices found here but registered elsewhere move into this store; devices
    expected but not found are marked lost when ticked; consumable quantities
    become what was counted. Installed or scrapped devices are only reported.
    """
    from vftops.stock.queries import count_result

    check_version(count, expected_version)
    _check_open(count)
    store = count.store
    require_active(store)  # archived during the count: nothing may move into it
    why = text_or_none(reason) or f"Varetelling {count.id}"
    result = count_result(count)
    lost_ids = {int(i) for i in lost_device_ids or ()}
    unknown = lost_ids - {d.id for d in result.missing}
    if unknown:
        message = _l("Only devices that were not found can be marked lost.")
        raise ValidationError(message, fields={"lost_device_ids": [message]})
    moved = lost = adjusted = 0
    for device in result.missing:
        if device.id in lost_ids:
            eq.append_movement(
                actor, device, MovementKind.LOST, DeviceStatus.LOST, reason=f"{why}: ikke funnet"
            )
            lost += 1
    for device in result.movable:
        if device.status == DeviceStatus.LOST:
            kind, status = MovementKind.FOUND, DeviceStatus.IN_STOCK
        elif device.status == DeviceStatus.IN_REPAIR:
            kind, status = MovementKind.REPAIRED, DeviceStatus.IN_STOCK
        else:
            kind, status = MovementKind.COUNT, DeviceStatus(device.status)
        eq.append_movement(actor, device, kind, status, to_store=store, reason=f"{why}: funnet her")
        moved += 1
    for diff in result.quantities:
        if diff.difference:
            adjust_consumables(actor, store, diff.product, diff.counted, reason=why, count=count)
            adjusted += 1
    count.status = CountStatus.CONFIRMED.value
    count.confirmed_at = utcnow()
    count.confirmed_by_id = actor.id if actor is not None else None
    summary = {"moved": moved, "lost": lost, "adjusted": adjusted}
    audit.record(
        actor,
        "stock_count.confirm",
        count,
        f"Varetelling {count.id} på {store.name} bekreftet: {moved} flyttet hit, "
        f"{lost} savnet, {adjusted} justert",
        changes={"result": {"before": None, "after": summary}},
        municipality_id=count.municipality_id,
    )
    return summary


@operation
def cancel_count(actor, count: StockCount, *, expected_version: int | None = None) -> StockCount:
    check_version(count, expected_version)
    _check_open(count)
    count.status = CountStatus.CANCELLED.value
    audit.record(
        actor,
        "stock_count.cancel",
        count,
        f"Varetelling {count.id} avbrutt",
        municipality_id=count.municipality_id,
    )
    return count
