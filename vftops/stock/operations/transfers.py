"""Transfers of devices between stores: sending, receiving and cancelling."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.validation import text_or_none
from vftops.equipment import operations as eq
from vftops.equipment.identifiers import numbered_serials
from vftops.equipment.models import Device, DeviceStatus, MovementKind, Product, Store
from vftops.extensions import db
from vftops.stock.models import (
    StockMovementKind,
    Transfer,
    TransferLine,
    TransferStatus,
)

from .common import ON_SHELF, require_active, whole_number
from .consumables import check_consumable, move_consumable

# --- transfers --------------------------------------------------------------------------


def _find_in_store(store: Store, serials: list[tuple[int, str]]) -> tuple[list, list[str]]:
    """Match scanned serials to devices on the store's shelf; name every bad line."""
    problems: list[str] = []
    wanted = [s for _n, s in serials]
    found: dict[str, list[Device]] = {}
    for device in db.session.scalars(select(Device).where(Device.serial_number.in_(wanted))):
        found.setdefault(device.serial_number, []).append(device)
    devices = []
    for number, serial in serials:
        candidates = found.get(serial, [])
        here = [d for d in candidates if d.store_id == store.id and d.status in ON_SHELF]
        if len(here) == 1:
            devices.append(here[0])
        elif len(here) > 1:
            problems.append(
                str(
                    _l(
                        "Line %(n)d: %(serial)s matches devices of several products.",
                        n=number,
                        serial=serial,
                    )
                )
            )
        elif not candidates:
            problems.append(
                str(_l("Line %(n)d: %(serial)s is not registered.", n=number, serial=serial))
            )
        else:
            problems.append(
                str(
                    _l(
                        "Line %(n)d: %(serial)s is not on the shelf in %(store)s.",
                        n=number,
                        serial=serial,
                        store=store.name,
                    )
                )
            )
    return devices, problems


@operation
def send_transfer(
    actor,
    from_store: Store,
    to_store: Store,
    *,
    serials: list[str] | None = None,
    quantities: list[tuple[Product, Any]] | None = None,
    note: str | None = None,
) -> Transfer:
    """Send scanned devices and counted consumables from one store to another.

    Every line or none. Until it is received, a device is in transit: in
    neither store's available count.
    """
    if from_store.id == to_store.id:
        message = _l("Choose another store to send to.")
        raise ValidationError(message, fields={"to_store_id": [message]})
    require_active(to_store, "to_store_id")
    require_active(from_store, "from_store_id")
    lines, problems = numbered_serials(serials)
    devices, missing = _find_in_store(from_store, lines) if lines else ([], [])
    problems += missing
    for device in devices:
        if not to_store.serves(device.municipality_id):
            problems.append(
                str(
                    _l(
                        "%(serial)s belongs to a municipality %(store)s does not serve.",
                        serial=device.serial_number,
                        store=to_store.name,
                    )
                )
            )
    amounts: list[tuple[Product, int]] = []
    for product, quantity in quantities or []:
        if quantity in (None, "", 0, "0"):
            continue
        check_consumable(product)
        amounts.append((product, whole_number(quantity, f"quantity-{product.id}", minimum=1)))
    if problems:
        raise ValidationError(
            _l("Nothing was sent. Correct these lines and try again."),
            fields={"serials": problems},
        )
    if not devices and not amounts:
        message = _l("Scan at least one device or give a quantity.")
        raise ValidationError(message, fields={"serials": [message]})
    transfer = Transfer(
        municipality_id=from_store.municipality_id,
        from_store_id=from_store.id,
        to_store_id=to_store.id,
        status=TransferStatus.SENT.value,
        note=text_or_none(note),
        sent_at=utcnow(),
        sent_by_id=actor.id if actor is not None else None,
    )
    db.session.add(transfer)
    db.session.flush()
    for device in devices:
        transfer.lines.append(
            TransferLine(
                product_id=device.product_id,
                device_id=device.id,
                quantity=1,
                device_status=device.status,
            )
        )
        eq.append_movement(
            actor,
            device,
            MovementKind.TRANSFER_OUT,
            DeviceStatus.IN_TRANSIT,
            reason=f"Overføring {transfer.id} til {to_store.name}",
        )
    for product, quantity in amounts:
        transfer.lines.append(TransferLine(product_id=product.id, quantity=quantity))
        move_consumable(
            actor,
            from_store,
            product,
            -quantity,
            StockMovementKind.TRANSFER_OUT,
            reason=f"Overføring {transfer.id} til {to_store.name}",
            transfer_id=transfer.id,
        )
    audit.record(
        actor,
        "transfer.send",
        transfer,
        f"Overføring {transfer.id}: {len(devices)} enheter og "
        f"{sum(q for _p, q in amounts)} forbruksvarer fra {from_store.name} til {to_store.name}",
        changes={"lines": {"before": None, "after": len(transfer.lines)}},
        municipality_id=from_store.municipality_id,
    )
    return transfer


def _land_transfer(actor, transfer: Transfer, store: Store, kind_text: str) -> None:
    for line in transfer.lines:
        if line.device_id is not None:
            device = line.device
            if device.status != DeviceStatus.IN_TRANSIT:
                raise eq.status_conflict(device, line.device_status)
            eq.append_movement(
                actor,
                device,
                MovementKind.TRANSFER_IN,
                DeviceStatus(line.device_status or DeviceStatus.IN_STOCK),
                to_store=store,
                reason=f"Overføring {transfer.id} {kind_text}",
            )
        else:
            move_consumable(
                actor,
                store,
                line.product,
                line.quantity,
                StockMovementKind.TRANSFER_IN,
                reason=f"Overføring {transfer.id} {kind_text}",
                transfer_id=transfer.id,
            )


def _check_sent(transfer: Transfer, expected_version: int | None) -> None:
    check_version(transfer, expected_version)
    if transfer.status != TransferStatus.SENT:
        message = _l("The transfer has already been received or cancelled.")
        raise ConflictError(message, details={"status": transfer.status})


@operation
def receive_transfer(actor, transfer: Transfer, *, expected_version: int | None = None) -> Transfer:
    """Everything on the transfer arrived: it is on the receiving store's shelf."""
    _check_sent(transfer, expected_version)
    require_active(transfer.to_store, "to_store_id")
    _land_transfer(actor, transfer, transfer.to_store, "mottatt")
    transfer.status = TransferStatus.RECEIVED.value
    transfer.received_at = utcnow()
    transfer.received_by_id = actor.id if actor is not None else None
    audit.record(
        actor,
        "transfer.receive",
        transfer,
        f"Overføring {transfer.id} mottatt på {transfer.to_store.name}",
        changes={"status": {"before": "sent", "after": "received"}},
        municipality_id=transfer.municipality_id,
    )
    return transfer


@operation
def cancel_transfer(actor, transfer: Transfer, *, expected_version: int | None = None) -> Transfer:
    """Call a transfer back: everything returns to the sending store."""
    _check_sent(transfer, expected_version)
    _land_transfer(actor, transfer, transfer.from_store, "avbrutt")
    transfer.status = TransferStatus.CANCELLED.value
    transfer.received_at = utcnow()
    transfer.received_by_id = actor.id if actor is not None else None
    audit.record(
        actor,
        "transfer.cancel",
        transfer,
        f"Overføring {transfer.id} avbrutt, tilbake på {transfer.from_store.name}",
        changes={"status": {"before": "sent", "after": "cancelled"}},
        municipality_id=transfer.municipality_id,
    )
    return transfer
