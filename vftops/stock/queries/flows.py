"""Lists of transfers, purchase orders and stock counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.models import local_today
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Product,
    Store,
)
from vftops.equipment.queries import store_ids_for
from vftops.extensions import db
from vftops.stock.models import (
    OPEN_ORDER_STATUSES,
    CountStatus,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    StockBalance,
    StockCount,
    Transfer,
    TransferLine,
)

from .common import ON_SHELF
from .levels import by_id

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


def orders_for(user, *, status: str | None = None, store_id: int | None = None, overdue=False):
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
    balances = dict(
        db.session.execute(
            select(StockBalance.product_id, StockBalance.quantity).where(
                StockBalance.store_id == store.id
            )
        ).all()
    )
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
