"""The only code that changes stores, stock, transfers, purchase orders and counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.i18n import format_number
from vftops.core.models import local_today, utcnow
from vftops.core.scope import municipality_ids
from vftops.equipment import operations as eq
from vftops.equipment.identifiers import numbered_serials
from vftops.equipment.models import Device, DeviceStatus, MovementKind, Product, Store, StoreKind
from vftops.equipment.purge import RECENT_ACTIVITY
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.stock import order_mail
from vftops.stock.models import (
    CountStatus,
    OrderReceipt,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    StockBalance,
    StockCount,
    StockCountQuantity,
    StockCountScan,
    StockMinimum,
    StockMovement,
    StockMovementKind,
    Transfer,
    TransferLine,
    TransferStatus,
)

STORE_FIELDS = ("name", "kind", "responsible_id", "address", "note", "is_active")
# Where a device physically sits on a store's shelf.
ON_SHELF = (DeviceStatus.IN_STOCK.value, DeviceStatus.AWAITING_RESET.value)


def _invalid(fields: dict[str, list], message=None) -> ValidationError:
    first = next(iter(fields.values()))[0]
    return ValidationError(message or first, fields=fields)


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


# No store counts more of one thing than this; the database column holds 32 bits.
MAX_COUNT = 1_000_000


def whole_number(value, field: str, *, minimum: int = 0, required: bool = True) -> int | None:
    """A count typed by a person: a whole number from `minimum` to MAX_COUNT, or a named error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if not required:
            return None
        message = _l("Enter a whole number.")
        raise ValidationError(message, fields={field: [message]})
    if isinstance(value, bool):
        value = None
    try:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except (TypeError, ValueError):
        message = _l("Enter a whole number.")
        raise ValidationError(message, fields={field: [message]}) from None
    if number < minimum:
        message = (
            _l("Enter a whole number of 0 or more.")
            if minimum == 0
            else _l("Enter a whole number of at least %(n)d.", n=minimum)
        )
        raise ValidationError(message, fields={field: [message]})
    if number > MAX_COUNT:
        message = _l("Enter a whole number of at most %(n)s.", n=format_number(MAX_COUNT))
        raise ValidationError(message, fields={field: [message]})
    return number


def _require_active(store: Store, field: str = "store_id") -> None:
    """Refuse an archived store. Read under a share lock on the store's row, held to the end
    of the transaction: archiving locks the row before it checks that the store is empty, so
    no stock can arrive between that check and the archiving (SQLite: one writer anyway)."""
    in_use = db.session.scalar(
        select(Store.is_active).where(Store.id == store.id).with_for_update(read=True)
    )
    if not in_use:
        message = _l("%(store)s is archived and takes no stock.", store=store.name)
        raise ConflictError(message, fields={field: [message]})


# --- stores -------------------------------------------------------------------------


def _check_responsible(responsible_id, served: set[int]) -> int | None:
    if responsible_id in (None, ""):
        return None
    try:
        responsible_id = int(responsible_id)
    except (TypeError, ValueError):
        responsible_id = -1
    member = db.session.scalar(
        select(Membership.user_id).where(
            Membership.user_id == responsible_id, Membership.municipality_id.in_(served)
        )
    )
    if member is None:
        message = _l("The responsible person must work in a municipality the store serves.")
        raise ValidationError(message, fields={"responsible_id": [message]})
    return responsible_id


def _shared_municipalities(actor, owner_id: int, ids, kept=frozenset()) -> list[Municipality]:
    """`kept`: shares the store has already; an editor may keep those they do not work in."""
    wanted = {int(i) for i in ids or ()} - {owner_id}
    if not wanted:
        return []
    allowed = municipality_ids(actor) if actor is not None else None
    found = db.session.scalars(select(Municipality).where(Municipality.id.in_(wanted))).all()
    if len(found) != len(wanted) or (allowed is not None and not wanted - set(kept) <= allowed):
        message = _l("A store can only be shared with municipalities you work in.")
        raise ValidationError(message, fields={"shared_with_ids": [message]})
    return sorted(found, key=lambda m: m.name)


def _store_state(store: Store) -> dict[str, Any]:
    state = audit.snapshot(store, STORE_FIELDS)
    state["shared_with"] = sorted(m.number for m in store.shared_with)
    return state


def _clean_store_name(name, municipality: Municipality, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        message = _l("Enter the store's name.")
        raise ValidationError(message, fields={"name": [message]})
    if len(name) > 120:
        message = _l("A name has at most %(n)d characters.", n=120)
        raise ValidationError(message, fields={"name": [message]})
    stmt = select(Store.id).where(
        Store.municipality_id == municipality.id, func.lower(Store.name) == name.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(Store.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = _l(
            "%(name)s already has a store called %(store)s.", name=municipality.name, store=name
        )
        raise ConflictError(message, fields={"name": [message]})
    return name


def _check_kind(kind) -> str:
    if kind not in {k.value for k in StoreKind}:
        message = _l("Choose a kind of store.")
        raise ValidationError(message, fields={"kind": [message]})
    return kind


@operation
def create_store(
    actor,
    municipality: Municipality,
    *,
    name: str,
    kind: str = StoreKind.CENTRAL,
    responsible_id: int | None = None,
    address: str | None = None,
    note: str | None = None,
    shared_with_ids=(),
) -> Store:
    name = _clean_store_name(name, municipality)
    kind = _check_kind(kind)
    shared = _shared_municipalities(actor, municipality.id, shared_with_ids)
    served = {municipality.id} | {m.id for m in shared}
    store = Store(
        municipality_id=municipality.id,
        name=name,
        kind=kind,
        responsible_id=_check_responsible(responsible_id, served),
        address=_text(address),
        note=_text(note),
    )
    store.shared_with = shared
    db.session.add(store)
    audit.record(
        actor,
        "store.create",
        store,
        f"Lager {name} opprettet i {municipality.name}",
        changes=audit.diff({}, _store_state(store)),
        municipality_id=municipality.id,
    )
    return store


def _store_holdings(store: Store, municipality_ids_: set[int] | None = None) -> int:
    stmt = select(func.count(Device.id)).where(
        Device.store_id == store.id,
        Device.status.in_(
            [DeviceStatus.IN_STOCK, DeviceStatus.AWAITING_RESET, DeviceStatus.IN_REPAIR]
        ),
    )
    if municipality_ids_ is not None:
        stmt = stmt.where(Device.municipality_id.in_(municipality_ids_))
    return db.session.scalar(stmt) or 0


@operation
def update_store(actor, store: Store, *, expected_version: int | None = None, **data) -> Store:
    """Rename, re-kind, hand over, share or archive a store."""
    check_version(store, expected_version)
    before = _store_state(store)
    if "name" in data:
        store.name = _clean_store_name(data["name"], store.municipality, exclude_id=store.id)
    if "kind" in data:
        store.kind = _check_kind(data["kind"])
    for key in ("address", "note"):
        if key in data:
            setattr(store, key, _text(data[key]))
    if "shared_with_ids" in data:
        shared = _shared_municipalities(
            actor,
            store.municipality_id,
            data["shared_with_ids"],
            kept={m.id for m in store.shared_with},
        )
        dropped = {m.id for m in store.shared_with} - {m.id for m in shared}
        if dropped and _store_holdings(store, dropped):
            message = _l(
                "Devices of a municipality you are removing are still in this store. "
                "Move them first."
            )
            raise ConflictError(message, fields={"shared_with_ids": [message]})
        store.shared_with = shared
    if "responsible_id" in data or "shared_with_ids" in data:
        store.responsible_id = _check_responsible(
            data.get("responsible_id", store.responsible_id), store.served_municipality_ids
        )
    if "is_active" in data and not data["is_active"] and store.is_active:
        _check_can_archive(store)
        store.is_active = False
    elif data.get("is_active"):
        store.is_active = True
    changes = audit.diff(before, _store_state(store))
    if changes:
        store.updated_at = utcnow()  # a change of shares alone must bump the version too
        action = "store.archive" if changes.get("is_active", {}).get("after") is False else None
        audit.record(
            actor,
            action or "store.update",
            store,
            f"Lager {store.name} {'arkivert' if action else 'endret'}",
            changes=changes,
            municipality_id=store.municipality_id,
        )
    return store


def _check_can_archive(store: Store) -> None:
    # Lock the row first: whatever sends stock here waits (see _require_active), then
    # finds the store archived; or it came first, and is counted below.
    db.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())
    devices = _store_holdings(store)
    quantity = db.session.scalar(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
            StockBalance.store_id == store.id
        )
    )
    transfers = db.session.scalar(
        select(func.count(Transfer.id)).where(
            (Transfer.from_store_id == store.id) | (Transfer.to_store_id == store.id),
            Transfer.status == TransferStatus.SENT,
        )
    )
    orders = db.session.scalar(
        select(func.count(PurchaseOrder.id)).where(
            PurchaseOrder.store_id == store.id,
            PurchaseOrder.status.in_(
                [OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED]
            ),
        )
    )
    if devices or quantity or transfers or orders:
        message = _l(
            "%(store)s still holds %(devices)d devices and %(quantity)d consumables, with "
            "%(transfers)d transfers and %(orders)d orders under way. Empty it first.",
            store=store.name,
            devices=devices,
            quantity=quantity,
            transfers=transfers,
            orders=orders,
        )
        raise ConflictError(
            message,
            fields={"is_active": [message]},
            details={
                "devices": devices,
                "consumables": quantity,
                "transfers": transfers,
                "orders": orders,
            },
        )


# --- consumables ------------------------------------------------------------------------


def _check_consumable(product: Product) -> None:
    if product.is_serialised:
        message = _l(
            "%(name)s is tracked by serial number: receive or move the devices.", name=product.name
        )
        raise ValidationError(message, fields={"product_id": [message]})


def balance(store: Store, product: Product) -> int:
    return (
        db.session.scalar(
            select(StockBalance.quantity).where(
                StockBalance.store_id == store.id, StockBalance.product_id == product.id
            )
        )
        or 0
    )


def move_consumable(
    actor,
    store: Store,
    product: Product,
    delta: int,
    kind: StockMovementKind,
    *,
    reason: str | None = None,
    at=None,
    **links,
) -> StockMovement:
    """Change a consumable's quantity in a store by `delta` and write its ledger line.

    The change is one UPDATE … SET quantity = quantity + delta: two people taking
    the last box at once cannot both succeed, because the database refuses a
    negative quantity and the loser's operation comes back as a conflict.
    """
    row = db.session.scalars(
        select(StockBalance).where(
            StockBalance.store_id == store.id, StockBalance.product_id == product.id
        )
    ).first()
    current = row.quantity if row is not None else 0
    if current + delta < 0:
        message = _l(
            "%(store)s has only %(n)d of %(product)s.",
            store=store.name,
            n=current,
            product=product.name,
        )
        raise ConflictError(
            message,
            fields={"quantity": [message]},
            details={"available": current, "wanted": -delta},
        )
    if row is None:
        row = StockBalance(store_id=store.id, product_id=product.id, quantity=0)
        db.session.add(row)
        db.session.flush()
    new = db.session.execute(
        update(StockBalance)
        .where(StockBalance.id == row.id)
        .values(quantity=StockBalance.quantity + delta)
        .returning(StockBalance.quantity),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    db.session.expire(row, ["quantity"])
    movement = StockMovement(
        store_id=store.id,
        product_id=product.id,
        municipality_id=store.municipality_id,
        at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        kind=kind.value,
        quantity=delta,
        balance_after=new,
        reason=_text(reason),
        **links,
    )
    db.session.add(movement)
    return movement


def _consumable_event(actor, action: str, movement: StockMovement, store, product, summary):
    audit.record(
        actor,
        action,
        movement,
        summary,
        changes={
            "quantity": {
                "before": movement.balance_after - movement.quantity,
                "after": movement.balance_after,
            }
        },
        municipality_id=store.municipality_id,
    )


@operation
def receive_consumables(
    actor,
    store: Store,
    product: Product,
    quantity,
    *,
    reason: str | None = None,
    order=None,
    at=None,
) -> StockMovement:
    """Boxes of batteries, straps or chargers arrive in a store."""
    _check_consumable(product)
    _require_active(store)
    quantity = whole_number(quantity, "quantity", minimum=1)
    movement = move_consumable(
        actor,
        store,
        product,
        quantity,
        StockMovementKind.RECEIVE,
        reason=reason,
        at=at,
        order_id=order.id if order is not None else None,
    )
    _consumable_event(
        actor,
        "stock.receive",
        movement,
        store,
        product,
        f"{quantity} {product.name} mottatt på {store.name}",
    )
    return movement


@operation
def issue_consumables(
    actor,
    store: Store,
    product: Product,
    quantity,
    *,
    reason: str | None = None,
    recipient=None,
    issued_to=None,
    at=None,
) -> StockMovement:
    """Take consumables out: to a recipient's equipment or to a technician."""
    _check_consumable(product)
    quantity = whole_number(quantity, "quantity", minimum=1)
    if recipient is None and issued_to is None and not _text(reason):
        message = _l("Say who the consumables went to, or why.")
        raise ValidationError(message, fields={"reason": [message]})
    if recipient is not None and recipient.anonymised_at is not None:
        message = _l("The recipient's record has been anonymised.")
        raise ValidationError(message, fields={"recipient_id": [message]})
    if recipient is not None and not store.serves(recipient.municipality_id):
        message = _l("The recipient lives in a municipality this store does not serve.")
        raise ValidationError(message, fields={"recipient_id": [message]})
    movement = move_consumable(
        actor,
        store,
        product,
        -quantity,
        StockMovementKind.ISSUE,
        reason=reason,
        at=at,
        recipient_id=recipient.id if recipient is not None else None,
        issued_to_id=issued_to.id if issued_to is not None else None,
    )
    _consumable_event(
        actor,
        "stock.issue",
        movement,
        store,
        product,
        f"{quantity} {product.name} tatt ut fra {store.name}",
    )
    return movement


@operation
def adjust_consumables(
    actor, store: Store, product: Product, counted, *, reason: str | None, count=None
) -> StockMovement | None:
    """Set the quantity to what was counted on the shelf. The reason is required."""
    _check_consumable(product)
    counted = whole_number(counted, "counted")
    if not _text(reason):
        message = _l("Give the reason for the adjustment.")
        raise ValidationError(message, fields={"reason": [message]})
    delta = counted - balance(store, product)
    if delta == 0:
        return None
    movement = move_consumable(
        actor,
        store,
        product,
        delta,
        StockMovementKind.ADJUST,
        reason=reason,
        count_id=count.id if count is not None else None,
    )
    _consumable_event(
        actor,
        "stock.adjust",
        movement,
        store,
        product,
        f"{product.name} på {store.name} justert til {counted} ({delta:+d})",
    )
    return movement


# --- minimums ---------------------------------------------------------------------------


@operation
def set_minimum(
    actor,
    store: Store,
    product: Product,
    *,
    minimum,
    reorder_target=None,
    expected_version: int | None = None,
    action: str = "stock_minimum.set",
    inputs: dict | None = None,
) -> StockMinimum:
    fields: dict[str, list] = {}
    try:
        minimum = whole_number(minimum, "minimum")
    except ValidationError as exc:
        fields |= exc.fields
    try:
        reorder_target = whole_number(reorder_target, "reorder_target", required=False)
    except ValidationError as exc:
        fields |= exc.fields
    if not fields and reorder_target is not None and reorder_target < minimum:
        fields["reorder_target"] = [_l("The reorder target cannot be below the minimum.")]
    if fields:
        raise _invalid(fields)
    row = db.session.scalars(
        select(StockMinimum).where(
            StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
        )
    ).first()
    before = {} if row is None else audit.snapshot(row, ("minimum", "reorder_target"))
    if row is None:
        row = StockMinimum(store_id=store.id, product_id=product.id, minimum=minimum)
        db.session.add(row)
    else:
        check_version(row, expected_version)
    row.minimum = minimum
    row.reorder_target = reorder_target
    changes = audit.diff(before, {"minimum": minimum, "reorder_target": reorder_target})
    if changes or inputs:
        if inputs:
            changes["inputs"] = {"before": None, "after": inputs}
        audit.record(
            actor,
            action,
            row,
            f"Minimum for {product.name} på {store.name}: {minimum}",
            changes=changes,
            municipality_id=store.municipality_id,
        )
    return row


@operation
def delete_minimum(actor, row: StockMinimum) -> None:
    audit.record(
        actor,
        "stock_minimum.delete",
        row,
        f"Minimum for {row.product.name} på {row.store.name} fjernet",
        changes=audit.diff(audit.snapshot(row, ("minimum", "reorder_target")), {}),
        municipality_id=row.store.municipality_id,
    )
    db.session.delete(row)


@operation
def accept_suggestion(actor, store: Store, product: Product) -> StockMinimum:
    """Set the minimum to the suggested one, recording the inputs it was computed from."""
    from vftops.stock.queries import suggestion

    s = suggestion(store, product)
    existing = db.session.scalars(
        select(StockMinimum).where(
            StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
        )
    ).first()
    target = None
    if existing is not None and existing.reorder_target is not None:
        target = max(existing.reorder_target, s.suggested)
    return set_minimum(
        actor,
        store,
        product,
        minimum=s.suggested,
        reorder_target=target,
        action="stock_minimum.accept",
        inputs=s.inputs(),
    )


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
    _require_active(to_store, "to_store_id")
    _require_active(from_store, "from_store_id")
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
        _check_consumable(product)
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
        note=_text(note),
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
    _require_active(transfer.to_store, "to_store_id")
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


# --- purchase orders --------------------------------------------------------------------

ORDER_FIELDS = ("status", "expected_on", "agreement_ref", "note", "supplier_id", "store_id")


def _order_state(order: PurchaseOrder) -> dict[str, Any]:
    state = audit.snapshot(order, ORDER_FIELDS)
    state["lines"] = {line.product_id: line.quantity for line in order.lines}
    return state


def _price(value, field: str):
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        price = Decimal(-1)
    if price < 0 or price != price.quantize(Decimal("0.01")):
        message = _l("Give the price in kroner, e.g. 249.00.")
        raise ValidationError(message, fields={field: [message]})
    return price


def _clean_lines(lines) -> list[tuple[Product, int, Decimal | None]]:
    out: list[tuple[Product, int, Decimal | None]] = []
    fields: dict[str, list] = {}
    seen: set[int] = set()
    for index, line in enumerate(lines or []):
        product, quantity = line[0], line[1]
        price = line[2] if len(line) > 2 else None
        field = f"lines-{index}"
        if product.id in seen:
            fields[field] = [_l("%(name)s is on the order twice.", name=product.name)]
            continue
        seen.add(product.id)
        if not product.is_active:
            fields[field] = [_l("%(name)s is no longer in use.", name=product.name)]
            continue
        try:
            out.append((product, whole_number(quantity, field, minimum=1), _price(price, field)))
        except ValidationError as exc:
            fields |= exc.fields
    if fields:
        raise _invalid(fields)
    if not out:
        message = _l("Add at least one product to the order.")
        raise ValidationError(message, fields={"lines": [message]})
    return out


def _next_number(municipality: Municipality, today: date) -> str:
    """«5035-2026-0001»: the municipality's own series for the year. The number is unique
    in the database; two orders made at the same moment cannot both take it (409)."""
    prefix = f"{municipality.number}-{today.year}-"
    last = db.session.scalar(
        select(func.max(PurchaseOrder.number)).where(
            PurchaseOrder.municipality_id == municipality.id,
            PurchaseOrder.number.like(f"{prefix}%"),
        )
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def default_expected_on(supplier, today: date | None = None) -> date:
    days = (
        getattr(supplier, "lead_time_days", None) or current_app.config["STOCK_DEFAULT_LEAD_DAYS"]
    )
    return (today or local_today()) + timedelta(days=days)


@operation
def create_order(
    actor,
    store: Store,
    supplier,
    *,
    lines,
    expected_on: date | None = None,
    agreement_ref: str | None = None,
    note: str | None = None,
) -> PurchaseOrder:
    """A draft order to a supplier, delivered to `store`."""
    _require_active(store)
    if supplier is None or not supplier.is_active:
        message = _l("Choose an active supplier.")
        raise ValidationError(message, fields={"supplier_id": [message]})
    cleaned = _clean_lines(lines)
    order = PurchaseOrder(
        municipality_id=store.municipality_id,
        number=_next_number(store.municipality, local_today()),
        supplier_id=supplier.id,
        store_id=store.id,
        agreement_ref=_text(agreement_ref),
        status=OrderStatus.DRAFT.value,
        expected_on=expected_on,
        note=_text(note),
        created_by_id=actor.id if actor is not None else None,
    )
    order.lines = [
        PurchaseOrderLine(product_id=p.id, quantity=q, unit_price=price) for p, q, price in cleaned
    ]
    db.session.add(order)
    audit.record(
        actor,
        "order.create",
        order,
        f"Bestilling {order.number} til {supplier.name} opprettet",
        changes=audit.diff({}, _order_state(order)),
        municipality_id=order.municipality_id,
    )
    return order


@operation
def update_order(
    actor, order: PurchaseOrder, *, expected_version: int | None = None, **data
) -> PurchaseOrder:
    """Change a draft's lines; change the expected date, reference and note while open."""
    check_version(order, expected_version)
    if order.status not in (OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED):
        raise ConflictError(_l("A received or cancelled order cannot be changed."))
    before = _order_state(order)
    if "lines" in data:
        if order.status != OrderStatus.DRAFT:
            message = _l("Only a draft's lines can be changed. Cancel and order again.")
            raise ConflictError(message, fields={"lines": [message]})
        cleaned = _clean_lines(data["lines"])
        existing = {line.product_id: line for line in order.lines}
        keep = []
        for product, quantity, price in cleaned:
            line = existing.get(product.id) or PurchaseOrderLine(product_id=product.id)
            line.quantity = quantity
            line.unit_price = price
            keep.append(line)
        order.lines = keep
    if "expected_on" in data:
        order.expected_on = data["expected_on"]
    for key in ("agreement_ref", "note"):
        if key in data:
            setattr(order, key, _text(data[key]))
    changes = audit.diff(before, _order_state(order))
    if changes:
        order.updated_at = utcnow()
        audit.record(
            actor,
            "order.update",
            order,
            f"Bestilling {order.number} endret",
            changes=changes,
            municipality_id=order.municipality_id,
        )
    return order


@operation
def send_order(actor, order: PurchaseOrder, *, expected_version: int | None = None, at=None):
    check_version(order, expected_version)
    if order.status != OrderStatus.DRAFT:
        raise ConflictError(
            _l("The order has already been sent."), details={"status": order.status}
        )
    if not order.lines:
        message = _l("Add at least one product to the order.")
        raise ValidationError(message, fields={"lines": [message]})
    if order.expected_on is None:
        order.expected_on = default_expected_on(order.supplier)
    order.status = OrderStatus.SENT.value
    order.sent_at = at or utcnow()
    changes = {"status": {"before": "draft", "after": "sent"}}
    if order_mail.can_mail(order):
        # E-mailed to the supplier once this is committed (order_mail).
        order.mail_to = order.supplier.order_email
        changes["mail_to"] = {"before": None, "after": order.mail_to}
    audit.record(
        actor,
        "order.send",
        order,
        f"Bestilling {order.number} sendt til {order.supplier.name}"
        + (f" ({order.mail_to})" if order.mail_to else " (merket som sendt)"),
        changes=changes,
        municipality_id=order.municipality_id,
    )
    if order.mail_to:
        order_mail.deliver_after_commit(order, actor)
    return order


@operation
def cancel_order(
    actor, order: PurchaseOrder, *, reason: str | None = None, expected_version: int | None = None
):
    """Nothing more will come. What was received stays received."""
    check_version(order, expected_version)
    if order.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
        raise ConflictError(_l("The order is already closed."), details={"status": order.status})
    if order.status != OrderStatus.DRAFT and not _text(reason):
        message = _l("Say why a sent order is cancelled.")
        raise ValidationError(message, fields={"reason": [message]})
    before = order.status
    order.status = OrderStatus.CANCELLED.value
    order.closed_at = utcnow()
    audit.record(
        actor,
        "order.cancel",
        order,
        f"Bestilling {order.number} kansellert" + (f": {_text(reason)}" if _text(reason) else ""),
        changes={"status": {"before": before, "after": "cancelled"}},
        municipality_id=order.municipality_id,
    )
    return order


@operation
def receive_order(
    actor,
    order: PurchaseOrder,
    *,
    serials: dict[int, list[str]] | None = None,
    quantities: dict[int, Any] | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    shared_serial_ok: bool = False,
) -> list[OrderReceipt]:
    """Receive (part of) a delivery: scanned serials become devices, quantities are added.

    All lines or none. More than ordered is allowed only with a reason; a serial that is
    registered for another product only with `shared_serial_ok`.
    """
    check_version(order, expected_version)
    if order.status not in (OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED):
        message = (
            _l("Send the order before receiving against it.")
            if order.status == OrderStatus.DRAFT
            else _l("The order is closed.")
        )
        raise ConflictError(message, details={"status": order.status})
    _require_active(order.store)
    lines = {line.id: line for line in order.lines}
    serials = {int(k): v for k, v in (serials or {}).items() if any(str(s).strip() for s in v)}
    quantities = {int(k): v for k, v in (quantities or {}).items() if v not in (None, "", 0, "0")}
    fields: dict[str, list] = {}
    counts: dict[int, int] = {}
    for line_id in set(serials) | set(quantities):
        line = lines.get(line_id)
        if line is None:
            fields[f"line-{line_id}"] = [_l("The line is not on this order.")]
            continue
        if line.product.is_serialised:
            if line_id in quantities:
                fields[f"line-{line_id}"] = [
                    _l("Scan the serial numbers of %(name)s.", name=line.product.name)
                ]
                continue
            lines_, problems = numbered_serials(serials[line_id], field=f"line-{line_id}")
            if problems:
                fields[f"line-{line_id}"] = problems
                continue
            counts[line_id] = len(lines_)
        else:
            try:
                counts[line_id] = whole_number(
                    quantities.get(line_id), f"line-{line_id}", minimum=1
                )
            except ValidationError as exc:
                fields |= exc.fields
    if fields:
        raise ValidationError(
            _l("Nothing was received. Correct these lines and try again."), fields=fields
        )
    if not counts:
        message = _l("Scan or enter at least one item received.")
        raise ValidationError(message, fields={"lines": [message]})
    over = {
        line_id: lines[line_id].received_quantity + n - lines[line_id].quantity
        for line_id, n in counts.items()
        if lines[line_id].received_quantity + n > lines[line_id].quantity
    }
    if over and not _text(reason):
        fields = {
            f"line-{line_id}": [
                _l(
                    "%(n)d more than ordered of %(name)s. Give a reason to receive them anyway.",
                    n=extra,
                    name=lines[line_id].product.name,
                )
            ]
            for line_id, extra in over.items()
        }
        message = _l("More than ordered: give a reason to receive it anyway.")
        fields["reason"] = [message]
        raise ValidationError(message, fields=fields, details={"over": over})
    receipts = []
    ledger_reason = f"Bestilling {order.number}" + (f": {_text(reason)}" if _text(reason) else "")
    for line_id, n in sorted(counts.items()):
        line = lines[line_id]
        if line.product.is_serialised:
            try:
                eq.receive_devices(
                    actor,
                    product=line.product,
                    store=order.store,
                    serial_lines=serials[line_id],
                    reason=ledger_reason,
                    shared_serial_ok=shared_serial_ok,
                )
            except ValidationError as exc:
                problems = exc.fields.get("serials") or [str(exc.message)]
                raise ValidationError(
                    _l("Nothing was received. Correct these lines and try again."),
                    fields={f"line-{line_id}": problems},
                ) from exc
            except ConflictError as exc:
                raise ConflictError(
                    exc.message, fields={f"line-{line_id}": [exc.message]}, details=exc.details
                ) from exc
        else:
            receive_consumables(
                actor, order.store, line.product, n, reason=ledger_reason, order=order
            )
        line.received_quantity += n
        receipt = OrderReceipt(
            order_id=order.id,
            line_id=line.id,
            quantity=n,
            actor_id=actor.id if actor is not None else None,
            reason=_text(reason) if line_id in over else None,
        )
        db.session.add(receipt)
        receipts.append(receipt)
    before = order.status
    complete = all(line.received_quantity >= line.quantity for line in order.lines)
    order.status = (OrderStatus.RECEIVED if complete else OrderStatus.PARTLY_RECEIVED).value
    if complete:
        order.closed_at = utcnow()
    order.updated_at = utcnow()  # bump the version: two receipts of one delivery collide
    audit.record(
        actor,
        "order.receive",
        order,
        f"Bestilling {order.number}: {sum(counts.values())} mottatt"
        + (f" (mer enn bestilt: {_text(reason)})" if over else ""),
        changes={
            "status": {"before": before, "after": order.status},
            "received": {"before": None, "after": {str(k): v for k, v in counts.items()}},
        },
        municipality_id=order.municipality_id,
    )
    return receipts


@operation
def order_shortfall(actor, store: Store, product: Product) -> PurchaseOrder:
    """«Bestill det som mangler»: a draft order (or a line on the open draft) up to target,
    less what other stores can send (the shortfall board's suggested transfers)."""
    from vftops.stock.queries import refill_plan

    level = refill_plan(actor, store, product)
    # The board's «to order»: what is on order or on a transfer here fills the shelf too.
    quantity = level.order_after_transfers
    if quantity < 1 and level.transfer_from:
        message = _l(
            "Nothing to order: %(stores)s can send what %(store)s lacks. Send a transfer first.",
            stores=", ".join(f"{source.name} ({n})" for source, n in level.transfer_from),
            store=store.name,
        )
        raise ConflictError(
            message,
            details={
                "transfer_from": [
                    {"store_id": source.id, "quantity": n} for source, n in level.transfer_from
                ]
            },
        )
    if quantity < 1:
        message = _l(
            "Nothing to order: what is on order or on its way already fills %(store)s up to %(n)d.",
            store=store.name,
            n=level.target,
        )
        raise ConflictError(
            message,
            details={
                "target": level.target,
                "available": level.available,
                "on_order": level.on_order,
                "incoming": level.incoming,
            },
        )
    supplier = product.supplier
    if supplier is None:
        message = _l("%(name)s has no supplier. Set one on the product first.", name=product.name)
        raise ValidationError(message, fields={"supplier_id": [message]})
    draft = db.session.scalars(
        select(PurchaseOrder)
        .where(
            PurchaseOrder.store_id == store.id,
            PurchaseOrder.supplier_id == supplier.id,
            PurchaseOrder.status == OrderStatus.DRAFT,
        )
        .order_by(PurchaseOrder.id.desc())
    ).first()
    if draft is None:
        return create_order(
            actor,
            store,
            supplier,
            lines=[(product, quantity)],
            expected_on=default_expected_on(supplier),
            note=str(_l("Ordered from the shortfall board.")),
        )
    lines = [(line.product, line.quantity, line.unit_price) for line in draft.lines]
    for index, (p, _q, price) in enumerate(lines):
        if p.id == product.id:
            lines[index] = (p, quantity, price)
            break
    else:
        lines.append((product, quantity, None))
    return update_order(actor, draft, lines=lines)


# --- stock counts -----------------------------------------------------------------------


@operation
def start_count(actor, store: Store, *, note: str | None = None) -> StockCount:
    _require_active(store)
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
        note=_text(note),
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
            _check_consumable(product)
            whole_number(value, f"counted-{product.id}")
        except ValidationError as exc:
            fields[f"counted-{product.id}"] = next(iter(exc.fields.values()))
    if fields:
        raise _invalid(fields)
    return [set_count_quantity(actor, count, product, value) for product, value in amounts]


@operation
def set_count_quantity(actor, count: StockCount, product: Product, counted) -> StockCountQuantity:
    _check_open(count)
    _check_consumable(product)
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
    _require_active(store)  # archived during the count: nothing may move into it
    why = _text(reason) or f"Varetelling {count.id}"
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


# --- forgetting a recipient (flask vftops purge) -------------------------------------------


@eq.recipient_anonymised.connect
def _forget_in_consumables(recipient, *, scrub, **_extra) -> None:
    """Consumables given to an anonymised recipient stay in the ledger; their name and
    numbers leave its reasons («Batteri til …»)."""
    if scrub is not None:
        audit.scrub_append_only(
            StockMovement.__table__, "reason", StockMovement.recipient_id == recipient.id, scrub
        )


def _consumables_given_since(moment):
    """Recipients given consumables since `moment`: not yet due for anonymising."""
    return select(StockMovement.recipient_id).where(
        StockMovement.recipient_id.is_not(None), StockMovement.at >= moment
    )


RECENT_ACTIVITY.append(_consumables_given_since)
