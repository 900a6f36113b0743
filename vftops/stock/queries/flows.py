"""Lists of transfers, purchase orders and stock counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.audit import AuditEvent
from vftops.core.db import where_equal
from vftops.core.models import local_today
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Product,
    Store,
    Visit,
    VisitStatus,
)
from vftops.equipment.queries import store_ids_for
from vftops.extensions import db
from vftops.stock.models import (
    OPEN_ORDER_STATUSES,
    CountStatus,
    OrderReceipt,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    StockCount,
    StockMovement,
    Transfer,
    TransferLine,
)

from .common import ON_SHELF
from .levels import balances_in, by_id

# --- transfers, orders, counts --------------------------------------------------------


def transfers_for(user, *, status: str | None = None, store_id: int | None = None):
    ids = store_ids_for(user, active_only=False)
    stmt = (
        select(Transfer)
        .where(or_(Transfer.from_store_id.in_(ids), Transfer.to_store_id.in_(ids)))
        .options(
            joinedload(Transfer.from_store),
            joinedload(Transfer.to_store),
            joinedload(Transfer.sent_by),
            selectinload(Transfer.lines).joinedload(TransferLine.product),
            selectinload(Transfer.lines).joinedload(TransferLine.device),
        )
    )
    if status:
        stmt = stmt.where(Transfer.status == status)
    if store_id:
        stmt = stmt.where(or_(Transfer.from_store_id == store_id, Transfer.to_store_id == store_id))
    return stmt.order_by(Transfer.id.desc())


def orders_for(
    user,
    *,
    status: str | None = None,
    store_id: int | None = None,
    overdue=False,
    supplier_id: int | None = None,
):
    ids = store_ids_for(user, active_only=False)
    stmt = (
        select(PurchaseOrder)
        .where(PurchaseOrder.store_id.in_(ids))
        .options(
            joinedload(PurchaseOrder.supplier),
            joinedload(PurchaseOrder.store),
            selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.product),
        )
    )
    if status == "open":
        stmt = stmt.where(PurchaseOrder.status.in_([OrderStatus.DRAFT.value, *OPEN_ORDER_STATUSES]))
    elif status:
        stmt = stmt.where(PurchaseOrder.status == status)
    if store_id:
        stmt = stmt.where(PurchaseOrder.store_id == store_id)
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    if overdue:
        stmt = stmt.where(
            PurchaseOrder.status.in_(OPEN_ORDER_STATUSES),
            PurchaseOrder.expected_on < local_today(),
        )
    return stmt.order_by(PurchaseOrder.id.desc())


@dataclass
class QuantityDifference:
    product: Product
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass
class CountResult:
    expected: int = 0
    found: list = field(default_factory=list)  # expected here and scanned
    missing: list = field(default_factory=list)  # expected here, not scanned
    movable: list = field(default_factory=list)  # scanned, registered elsewhere: moves here
    report_only: list = field(default_factory=list)  # scanned, installed/scrapped/in transit
    unknown: list = field(default_factory=list)  # scanned serials vftops does not know
    quantities: list = field(default_factory=list)


MOVABLE = (
    DeviceStatus.IN_STOCK.value,
    DeviceStatus.AWAITING_RESET.value,
    DeviceStatus.IN_REPAIR.value,
    DeviceStatus.LOST.value,
)


def count_result(count: StockCount) -> CountResult:
    """Compare what was scanned and counted with what the store should hold."""
    store = count.store
    result = CountResult()
    expected = db.session.scalars(
        select(Device)
        .where(Device.store_id == store.id, Device.status.in_(ON_SHELF))
        .options(joinedload(Device.product))
        .order_by(Device.serial_number)
    ).all()
    result.expected = len(expected)
    scans = count.scans
    scanned_ids = {s.device_id for s in scans if s.device_id is not None}
    scanned_devices = by_id(
        Device, scanned_ids, joinedload(Device.product), joinedload(Device.store)
    )
    expected_ids = {d.id for d in expected}
    for device in expected:
        (result.found if device.id in scanned_ids else result.missing).append(device)
    for scan in scans:
        if scan.device_id is None:
            result.unknown.append(scan.serial_number)
        elif scan.device_id not in expected_ids:
            device = scanned_devices[scan.device_id]
            if device.status in MOVABLE and store.serves(device.municipality_id):
                result.movable.append(device)
            else:
                result.report_only.append(device)
    counted = {q.product_id: q for q in count.quantities}
    balances = balances_in(store.id)
    products = by_id(Product, set(counted))
    for pid, row in counted.items():
        result.quantities.append(
            QuantityDifference(
                product=products[pid], expected=balances.get(pid, 0), counted=row.counted
            )
        )
    result.quantities.sort(key=lambda q: q.product.name)
    return result


def open_count(store: Store) -> StockCount | None:
    return db.session.scalars(
        select(StockCount).where(
            StockCount.store_id == store.id, StockCount.status == CountStatus.OPEN
        )
    ).first()


def counts_for(user):
    """Counts of the stores the user may see, the open ones first, then the newest: a
    SELECT to page."""
    return (
        select(StockCount)
        .where(StockCount.store_id.in_(store_ids_for(user, active_only=False)))
        .options(
            joinedload(StockCount.store),
            joinedload(StockCount.started_by),
            joinedload(StockCount.confirmed_by),
        )
        .order_by(
            case((StockCount.status == CountStatus.OPEN.value, 0), else_=1),
            StockCount.id.desc(),
        )
    )


def usable_store_ids(user, store_ids) -> set[int]:
    """Those of the stores the user may use (a link, a place to land)."""
    return set(
        db.session.scalars(
            store_ids_for(user, active_only=False).where(Store.id.in_(list(store_ids)))
        )
    )


def open_count_ids(store_ids) -> dict[int, int]:
    """The open count of each of the stores that has one: store id → count id."""
    return dict(
        db.session.execute(
            select(StockCount.store_id, StockCount.id).where(
                StockCount.store_id.in_(list(store_ids)),
                StockCount.status == CountStatus.OPEN.value,
            )
        ).all()
    )


def count_adjustments(count: StockCount) -> list[StockMovement]:
    """The ledger lines a confirmed count wrote, with their products."""
    return db.session.scalars(
        select(StockMovement)
        .where(StockMovement.count_id == count.id)
        .options(joinedload(StockMovement.product))
        .order_by(StockMovement.id)
    ).all()


def count_summary(count: StockCount) -> dict | None:
    """What the confirmation of a count recorded as its result (None: not confirmed)."""
    event = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == StockCount.__tablename__,
            AuditEvent.object_id == str(count.id),
            AuditEvent.action == "stock_count.confirm",
        )
        .order_by(AuditEvent.id.desc())
    ).first()
    if event is None:
        return None
    return (event.changes.get("result") or {}).get("after")


def receipts_of(order: PurchaseOrder) -> list[OrderReceipt]:
    """What has come in on an order, in the order it came, with lines, products and who."""
    return db.session.scalars(
        select(OrderReceipt)
        .where(OrderReceipt.order_id == order.id)
        .options(joinedload(OrderReceipt.line).joinedload(PurchaseOrderLine.product))
        .options(joinedload(OrderReceipt.actor))
        .order_by(OrderReceipt.at, OrderReceipt.id)
    ).all()


def serials_to_send(store: Store, to_store: Store, product: Product, quantity: int) -> list[str]:
    """Serial numbers of the product ready on the store's shelf that the receiving store may
    hold and no planned install has chosen (a few more than asked, at most 60)."""
    booked = select(Visit.device_id).where(
        Visit.status == VisitStatus.PLANNED, Visit.device_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Device.serial_number)
            .where(
                Device.store_id == store.id,
                Device.product_id == product.id,
                Device.status == DeviceStatus.IN_STOCK,
                Device.municipality_id.in_(sorted(to_store.served_municipality_ids)),
                Device.id.not_in(booked),
            )
            .order_by(Device.serial_number)
            .limit(min(quantity, 50) + 10)
        )
    )


def draft_order_ids(store: Store) -> set[int]:
    """The ids of the store's orders still in draft."""
    return set(
        db.session.scalars(
            select(PurchaseOrder.id).where(
                PurchaseOrder.store_id == store.id,
                PurchaseOrder.status == OrderStatus.DRAFT,
            )
        )
    )


def stock_movement_list(user, *, store_id=None, product_id=None, kind=None, options=()):
    """The consumable ledger of the stores the user may see: a SELECT to page."""
    stmt = (
        select(StockMovement)
        .where(StockMovement.store_id.in_(store_ids_for(user, active_only=False)))
        .options(*options)
    )
    return where_equal(stmt, StockMovement, store_id=store_id, product_id=product_id, kind=kind)
