"""Read side of the store: levels, shortfalls, suggestions, idle cost, history and counts.

Every figure is derived from the devices, the ledgers and the orders: nothing
here is typed in. Each function answers with a fixed number of aggregate
queries whatever the number of stores and products (no query per row).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core import modules
from vftops.core.models import OSLO, UTCDateTime, local_day, local_today, utcnow
from vftops.core.scope import id_or_404, scoped
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Movement,
    MovementKind,
    Ownership,
    Placement,
    Product,
    ReturnReason,
    Store,
    StoreKind,
    Visit,
    VisitStatus,
)
from vftops.equipment.queries import store_ids_for, stores_for  # noqa: F401 (stock reads them here too)
from vftops.extensions import db
from vftops.stock.models import (
    OPEN_ORDER_STATUSES,
    CountStatus,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    StockBalance,
    StockCount,
    StockMinimum,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
)

ON_SHELF = (DeviceStatus.IN_STOCK.value, DeviceStatus.AWAITING_RESET.value)
IDLE = ON_SHELF  # a leased device on a shelf earns nothing and costs rent
SERVICE_LEVEL_Z = Decimal("1.65")  # 95 %: the safety margin of the suggested minimum
DAYS_PER_MONTH = Decimal("30.44")


# --- levels -------------------------------------------------------------------------


@dataclass
class Level:
    store: Store
    product: Product
    available: int = 0  # on the shelf, ready (in stock) or a consumable's quantity
    awaiting_reset: int = 0
    in_repair: int = 0
    incoming: int = 0  # on a transfer to this store
    on_order: int = 0  # ordered and not yet received
    minimum: int | None = None
    reorder_target: int | None = None
    minimum_id: int | None = None
    # Filled by `plan_transfers`: (store, how many) other stores can send before an order.
    transfer_from: list[tuple[Store, int]] = field(default_factory=list)

    @property
    def target(self) -> int:
        if self.reorder_target is not None:
            return self.reorder_target
        return self.minimum or 0

    @property
    def shortfall(self) -> int:
        if self.minimum is None:
            return 0
        return max(self.minimum - self.available, 0)

    @property
    def is_short(self) -> bool:
        return self.minimum is not None and self.available < self.minimum

    @property
    def to_order(self) -> int:
        """What to order to reach the target, counting what is already on its way."""
        return max(self.target - self.available - self.on_order - self.incoming, 0)

    @property
    def to_transfer(self) -> int:
        return sum(quantity for _store, quantity in self.transfer_from)

    @property
    def order_after_transfers(self) -> int:
        """What is left for the supplier once the suggested transfers are sent."""
        return max(self.to_order - self.to_transfer, 0)

    @property
    def severity(self) -> tuple:
        """Worst first: empty shelves, then the largest share of the minimum missing."""
        share = self.available / self.minimum if self.minimum else 1
        return (share, -self.shortfall, self.store.name, self.product.name)


def levels(
    store_ids,
    *,
    product_id: int | None = None,
    product_ids=None,
    with_minimum_only: bool = False,
    short_only: bool = False,
):
    """Stock levels per store × product for the given store ids (a list or a subquery).

    Five aggregate queries, whatever the number of stores: devices by status,
    consumable balances, minimums, open order lines and incoming transfers.
    `short_only`: only the rows below their minimum.
    """
    with_minimum_only = with_minimum_only or short_only
    counts: dict[tuple[int, int], dict] = defaultdict(lambda: defaultdict(int))

    def key_filter(column_store, column_product):
        clause = column_store.in_(store_ids)
        if product_id is not None:
            clause = and_(clause, column_product == product_id)
        if product_ids is not None:
            clause = and_(clause, column_product.in_(product_ids))
        return clause

    def paired(stmt, column_store, column_product):
        # Only the pairs with a minimum: a join on its unique (store, product) index
        # instead of counting every shelf of every store and throwing most away.
        if not with_minimum_only:
            return stmt
        return stmt.join(
            StockMinimum,
            and_(StockMinimum.store_id == column_store, StockMinimum.product_id == column_product),
        )

    device_rows = db.session.execute(
        paired(
            select(Device.store_id, Device.product_id, Device.status, func.count()),
            Device.store_id,
            Device.product_id,
        )
        .where(
            key_filter(Device.store_id, Device.product_id),
            Device.status.in_(
                [DeviceStatus.IN_STOCK, DeviceStatus.AWAITING_RESET, DeviceStatus.IN_REPAIR]
            ),
        )
        .group_by(Device.store_id, Device.product_id, Device.status)
    )
    for store_id, pid, status, n in device_rows:
        counts[(store_id, pid)][status] = n
    for store_id, pid, quantity in db.session.execute(
        paired(
            select(StockBalance.store_id, StockBalance.product_id, StockBalance.quantity),
            StockBalance.store_id,
            StockBalance.product_id,
        ).where(key_filter(StockBalance.store_id, StockBalance.product_id))
    ):
        counts[(store_id, pid)]["quantity"] = quantity
    # Plain rows: the minimum objects are loaded below for the rows kept only.
    minimums = {
        (row.store_id, row.product_id): row
        for row in db.session.execute(
            select(
                StockMinimum.id,
                StockMinimum.store_id,
                StockMinimum.product_id,
                StockMinimum.minimum,
                StockMinimum.reorder_target,
            ).where(key_filter(StockMinimum.store_id, StockMinimum.product_id))
        )
    }
    for key in minimums:
        counts[key]
    for store_id, pid, n in db.session.execute(
        paired(
            select(
                PurchaseOrder.store_id,
                PurchaseOrderLine.product_id,
                func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity),
            ).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id),
            PurchaseOrder.store_id,
            PurchaseOrderLine.product_id,
        )
        .where(
            key_filter(PurchaseOrder.store_id, PurchaseOrderLine.product_id),
            PurchaseOrder.status.in_(OPEN_ORDER_STATUSES),
            PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
        )
        .group_by(PurchaseOrder.store_id, PurchaseOrderLine.product_id)
    ):
        counts[(store_id, pid)]["on_order"] = int(n)
    for store_id, pid, n in db.session.execute(
        paired(
            select(
                Transfer.to_store_id, TransferLine.product_id, func.sum(TransferLine.quantity)
            ).join(Transfer, Transfer.id == TransferLine.transfer_id),
            Transfer.to_store_id,
            TransferLine.product_id,
        )
        .where(
            key_filter(Transfer.to_store_id, TransferLine.product_id),
            Transfer.status == TransferStatus.SENT,
        )
        .group_by(Transfer.to_store_id, TransferLine.product_id)
    ):
        counts[(store_id, pid)]["incoming"] = int(n)
    if with_minimum_only:
        counts = {k: v for k, v in counts.items() if k in minimums}
    if short_only:
        # Decided before loading stores and products: a pair holds either devices
        # (serialised) or a balance (consumable), so available is one or the other.
        in_stock = DeviceStatus.IN_STOCK.value
        counts = {
            k: v
            for k, v in counts.items()
            if v.get("quantity", 0) + v.get(in_stock, 0) < minimums[k].minimum
        }
    stores = _by_id(
        Store,
        {k[0] for k in counts},
        joinedload(Store.municipality),
        selectinload(Store.shared_with),  # who a store serves, for transfer plans
    )
    products = _by_id(Product, {k[1] for k in counts}, joinedload(Product.supplier))
    result = []
    for (store_id, pid), c in counts.items():
        product = products[pid]
        minimum = minimums.get((store_id, pid))
        result.append(
            Level(
                store=stores[store_id],
                product=product,
                available=c.get("quantity", 0)
                if not product.is_serialised
                else c.get(DeviceStatus.IN_STOCK.value, 0),
                awaiting_reset=c.get(DeviceStatus.AWAITING_RESET.value, 0),
                in_repair=c.get(DeviceStatus.IN_REPAIR.value, 0),
                incoming=c.get("incoming", 0),
                on_order=c.get("on_order", 0),
                minimum=minimum.minimum if minimum else None,
                reorder_target=minimum.reorder_target if minimum else None,
                minimum_id=minimum.id if minimum else None,
            )
        )
    result.sort(key=lambda lv: (lv.store.name, lv.product.manufacturer, lv.product.model))
    return result


def _by_id(model, ids, *options):
    if not ids:
        return {}
    stmt = select(model).where(model.id.in_(ids))
    for option in options:
        stmt = stmt.options(option)
    return {row.id: row for row in db.session.scalars(stmt)}


def level_for(store: Store, product: Product) -> Level:
    found = levels([store.id], product_id=product.id)
    return found[0] if found else Level(store=store, product=product)


def shortfalls(user, *, store_id: int | None = None) -> list[Level]:
    """Every store × product of the user's below its minimum, worst first, each with
    the transfers from other stores that would fill it before an order (`plan_transfers`)."""
    ids = store_ids_for(user)
    if store_id is not None:
        ids = ids.where(Store.id == store_id)
    short = [lv for lv in levels(ids, short_only=True) if lv.is_short]
    short.sort(key=lambda lv: lv.severity)
    return plan_transfers(user, short)


def refill_plan(user, store: Store, product: Product) -> Level:
    """One store × product as the shortfall board plans it: the board's row when it is
    on the board (what other stores can spare went to worse rows first), else alone."""
    board = shortfalls(user)
    for level in board:
        if level.store.id == store.id and level.product.id == product.id:
            return level
    # Not short (only below its reorder target): it gets what the board leaves over.
    level = level_for(store, product)
    for row in board:
        row.transfer_from.clear()
    plan_transfers(user, [*board, level])
    return level


@dataclass
class _Source:
    store: Store
    product_id: int


def _on_the_shelf(store_ids, products) -> tuple[dict, dict]:
    """({(store, product): available}, {(store, product): minimum}) for these stores and
    products: devices in stock of a serialised product or the balance of a counted one
    (as `levels` counts them), and the minimums — the figures a transfer plan needs of
    every store, without building whole levels."""
    serialised = [p.id for p in products if p.is_serialised]
    counted = [p.id for p in products if not p.is_serialised]
    product_ids = [p.id for p in products]
    available: dict[tuple[int, int], int] = {}
    if serialised:
        for store_id, pid, n in db.session.execute(
            select(Device.store_id, Device.product_id, func.count())
            .where(
                Device.store_id.in_(store_ids),
                Device.product_id.in_(serialised),
                Device.status == DeviceStatus.IN_STOCK,
            )
            .group_by(Device.store_id, Device.product_id)
        ):
            available[(store_id, pid)] = int(n)
    if counted:
        for store_id, pid, quantity in db.session.execute(
            select(StockBalance.store_id, StockBalance.product_id, StockBalance.quantity).where(
                StockBalance.store_id.in_(store_ids), StockBalance.product_id.in_(counted)
            )
        ):
            available[(store_id, pid)] = int(quantity)
    minimums = {
        (store_id, pid): minimum
        for store_id, pid, minimum in db.session.execute(
            select(StockMinimum.store_id, StockMinimum.product_id, StockMinimum.minimum).where(
                StockMinimum.store_id.in_(store_ids), StockMinimum.product_id.in_(product_ids)
            )
        )
    }
    return available, minimums


def plan_transfers(user, short: list[Level]) -> list[Level]:
    """Fill each level's `transfer_from`: stores that can spare what it lacks, first.

    A store can send what it holds above its own minimum (a central or supplier
    store without one: all of it; a local store without one: nothing), less devices
    chosen for a planned install, to a store of the same municipality or shared
    service: for devices, only those owned by a municipality the receiving store
    serves, as `send_transfer` demands. What one store can spare is handed out once,
    to the worst shortfall first, and only stores the user may see are offered. A
    fixed number of queries, whatever the rows.
    """
    wanted = [lv for lv in short if lv.to_order > 0]
    if not wanted:
        return short
    served = {m for lv in wanted for m in lv.store.served_municipality_ids}
    candidates = select(Store.id) if user is None else scoped(select(Store.id), Store, user)
    candidates = candidates.where(Store.is_active.is_(True), Store.scope_clause(served))
    product_ids = {lv.product.id for lv in wanted}
    spare: dict[tuple[int, int], int] = {}
    sources: dict[int, list[Level]] = defaultdict(list)
    # Devices already chosen for a planned install are not spare.
    booked = {
        (store_id, pid): n
        for store_id, pid, n in db.session.execute(
            select(Device.store_id, Device.product_id, func.count(func.distinct(Device.id)))
            .join(Visit, Visit.device_id == Device.id)
            .where(
                Visit.status == VisitStatus.PLANNED,
                Device.status == DeviceStatus.IN_STOCK,
                Device.store_id.in_(candidates),
                Device.product_id.in_(product_ids),
            )
            .group_by(Device.store_id, Device.product_id)
        )
    }
    products = {lv.product.id: lv.product for lv in wanted}
    on_shelf, minimums = _on_the_shelf(candidates, products.values())
    kinds = dict(
        db.session.execute(
            select(Store.id, Store.kind).where(Store.id.in_({k[0] for k in on_shelf}))
        ).all()
    )
    for key, available in on_shelf.items():
        minimum = minimums.get(key)
        if minimum is None and kinds.get(key[0]) == StoreKind.LOCAL:
            continue  # a car or a ward without a minimum keeps what it has
        left = available - (minimum or 0) - booked.get(key, 0)
        if left > 0:
            spare[key] = left
    if not spare:
        return short
    stores = _by_id(
        Store,
        {k[0] for k in spare},
        joinedload(Store.municipality),
        selectinload(Store.shared_with),
    )
    for store_id, pid in spare:
        sources[pid].append(_Source(store=stores[store_id], product_id=pid))
    # Devices on a shelf by owner: a shared store may hold another municipality's.
    owned: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for store_id, pid, mid, n in db.session.execute(
        select(Device.store_id, Device.product_id, Device.municipality_id, func.count())
        .where(
            Device.store_id.in_({k[0] for k in spare}),
            Device.product_id.in_({k[1] for k in spare}),
            Device.status == DeviceStatus.IN_STOCK,
        )
        .group_by(Device.store_id, Device.product_id, Device.municipality_id)
    ):
        owned[(store_id, pid)][mid] = n
    for lv in sorted(wanted, key=lambda level: level.severity):
        need = lv.to_order
        accepts = lv.store.served_municipality_ids
        # The fullest store first; the central store before a local one on a tie.
        for src in sorted(
            sources[lv.product.id],
            # Then by name, as the board lists stores.
            key=lambda s: (
                -spare[(s.store.id, s.product_id)],
                s.store.kind != StoreKind.CENTRAL,
                s.store.name,
                s.store.id,
            ),
        ):
            if need <= 0:
                break
            key = (src.store.id, src.product_id)
            if src.store.id == lv.store.id or spare[key] <= 0:
                continue
            if not (src.store.served_municipality_ids & accepts):
                continue
            can = spare[key]
            if lv.product.is_serialised:
                by_owner = owned.get(key, {})
                can = min(can, sum(n for mid, n in by_owner.items() if mid in accepts))
            give = min(need, can)
            if give <= 0:
                continue
            lv.transfer_from.append((src.store, give))
            spare[key] -= give
            need -= give
            if lv.product.is_serialised:
                # Take the devices from the receiving store's own municipality first.
                for mid in sorted(by_owner, key=lambda m: m != lv.store.municipality_id):
                    if mid in accepts:
                        taken = min(by_owner[mid], give)
                        by_owner[mid] -= taken
                        give -= taken
    return short


# --- suggested minimum --------------------------------------------------------------


@dataclass
class Suggestion:
    """Minimum = expected failures during the lead time + a 95 % safety margin."""

    store: Store
    product: Product
    installed_base: int
    returns: int  # placements ended as faulty or replaced in the last 12 months
    lead_time_days: int
    lead_time_is_default: bool
    # Fault tickets (technical alarm, equipment fault) in the last 12 months about
    # devices that were not also returned so: the same fault is counted once.
    fault_tickets: int = 0

    @property
    def failures(self) -> int:
        return self.returns + self.fault_tickets

    @property
    def failure_rate(self) -> Decimal:
        """Failures per installed device per year."""
        if not self.installed_base:
            return Decimal(0)
        return Decimal(self.failures) / Decimal(self.installed_base)

    @property
    def expected_in_lead_time(self) -> Decimal:
        return (
            Decimal(self.installed_base)
            * self.failure_rate
            * Decimal(self.lead_time_days)
            / Decimal(365)
        )

    @property
    def safety(self) -> Decimal:
        return SERVICE_LEVEL_Z * Decimal(math.sqrt(self.expected_in_lead_time))

    @property
    def suggested(self) -> int:
        value = math.ceil(self.expected_in_lead_time + self.safety)
        # A store that serves installed devices keeps at least one spare.
        return max(value, 1) if self.installed_base else value

    def inputs(self) -> dict:
        return {
            "installed_base": self.installed_base,
            "failures_12_months": self.failures,
            "returns_12_months": self.returns,
            "fault_tickets_12_months": self.fault_tickets,
            "failure_rate_per_year": float(round(self.failure_rate, 4)),
            "lead_time_days": self.lead_time_days,
            "expected_in_lead_time": float(round(self.expected_in_lead_time, 2)),
            "safety_margin": float(round(self.safety, 2)),
            "suggested": self.suggested,
        }


def _installed_from(store_ids, *, product_id=None):
    """Open placements per store × product, the store being where the device was taken from."""
    stmt = (
        select(Movement.from_store_id, Device.product_id, func.count())
        .join(Placement, Placement.id == Movement.placement_id)
        .join(Device, Device.id == Placement.device_id)
        .where(
            Movement.kind == MovementKind.INSTALL,
            Movement.from_store_id.in_(store_ids),
            Placement.returned_at.is_(None),
        )
        .group_by(Movement.from_store_id, Device.product_id)
    )
    if product_id is not None:
        stmt = stmt.where(Device.product_id == product_id)
    return {(s, p): n for s, p, n in db.session.execute(stmt)}


def _failures_from(store_ids, since: datetime, *, product_id=None):
    """Placements ended as faulty or replaced since `since`, per store the device came from."""
    stmt = (
        select(Movement.from_store_id, Device.product_id, func.count())
        .join(Placement, Placement.id == Movement.placement_id)
        .join(Device, Device.id == Placement.device_id)
        .where(
            Movement.kind == MovementKind.INSTALL,
            Movement.from_store_id.in_(store_ids),
            Placement.returned_at >= since,
            Placement.return_reason.in_([ReturnReason.FAULTY, ReturnReason.REPLACED]),
        )
        .group_by(Movement.from_store_id, Device.product_id)
    )
    if product_id is not None:
        stmt = stmt.where(Device.product_id == product_id)
    return {(s, p): n for s, p, n in db.session.execute(stmt)}


def suggestions(store: Store, *, product_id: int | None = None) -> dict[int, Suggestion]:
    """Suggested minimums for every product the store serves installed devices of."""
    since = utcnow() - timedelta(days=365)
    base = _installed_from([store.id], product_id=product_id)
    failures = _failures_from([store.id], since, product_id=product_id)
    # Fault tickets, from the modules that keep them (support): declared, not imported.
    tickets: dict = {}
    for count in modules.hooks("stock.fault_tickets"):
        for key, n in count([store.id], since, product_id=product_id).items():
            tickets[key] = tickets.get(key, 0) + n
    pids = {p for _s, p in base} | {p for _s, p in failures} | {p for _s, p in tickets}
    if product_id is not None:
        pids.add(product_id)
    products = _by_id(Product, pids, joinedload(Product.supplier))
    default_lead = current_app.config["STOCK_DEFAULT_LEAD_DAYS"]
    out = {}
    for pid, product in products.items():
        lead = product.supplier.lead_time_days if product.supplier else None
        out[pid] = Suggestion(
            store=store,
            product=product,
            installed_base=base.get((store.id, pid), 0),
            returns=failures.get((store.id, pid), 0),
            fault_tickets=tickets.get((store.id, pid), 0),
            lead_time_days=lead or default_lead,
            lead_time_is_default=lead is None,
        )
    return out


def suggestion(store: Store, product: Product) -> Suggestion:
    return suggestions(store, product_id=product.id)[product.id]


# --- idle leased devices ------------------------------------------------------------


@dataclass
class IdleCost:
    store: Store
    product: Product
    idle_now: int = 0
    monthly_rent: Decimal = Decimal(0)
    idle_days_12_months: Decimal = Decimal(0)

    @property
    def cost_per_month(self) -> Decimal:
        return (self.monthly_rent * self.idle_now).quantize(Decimal("0.01"))

    @property
    def cost_12_months(self) -> Decimal:
        return (self.monthly_rent * self.idle_days_12_months / DAYS_PER_MONTH).quantize(
            Decimal("0.01")
        )


def idle_costs(store_ids, *, now: datetime | None = None) -> list[IdleCost]:
    """Leased devices lying on a shelf: how many now, what that costs a month, and what
    the idle days of the last 12 months cost, from the ledger."""
    now = now or utcnow()
    since = now - timedelta(days=365)
    rented = select(Product.id).where(Product.monthly_rent.is_not(None), Product.monthly_rent > 0)
    rows: dict[tuple[int, int], IdleCost] = {}
    current = db.session.execute(
        select(Device.store_id, Device.product_id, func.count())
        .where(
            Device.store_id.in_(store_ids),
            Device.status.in_(IDLE),
            Device.ownership == Ownership.LEASED,
            Device.product_id.in_(rented),
        )
        .group_by(Device.store_id, Device.product_id)
    ).all()
    # Each ledger line opens a period that lasts until the device's next line.
    nxt = (
        func.lead(Movement.at, type_=UTCDateTime())
        .over(partition_by=Movement.device_id, order_by=Movement.id)
        .label("next_at")
    )
    periods = (
        select(
            Movement.to_store_id.label("store_id"),
            Device.product_id.label("product_id"),
            Movement.to_status.label("status"),
            Movement.at.label("at"),
            nxt,
        )
        .join(Device, Device.id == Movement.device_id)
        .where(Device.ownership == Ownership.LEASED, Device.product_id.in_(rented))
        .where(
            Movement.device_id.in_(
                select(Movement.device_id).where(
                    or_(Movement.to_store_id.in_(store_ids), Movement.from_store_id.in_(store_ids))
                )
            )
        )
        .subquery()
    )
    history = db.session.execute(
        select(periods.c.store_id, periods.c.product_id, periods.c.at, periods.c.next_at).where(
            periods.c.store_id.in_(store_ids),
            periods.c.status.in_(IDLE),
            or_(periods.c.next_at.is_(None), periods.c.next_at > since),
        )
    ).all()
    days: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for store_id, pid, start, end in history:
        start = _aware(start)
        end = _aware(end) if end is not None else now
        start, end = max(start, since), min(end, now)
        if end > start:
            days[(store_id, pid)] += Decimal((end - start).total_seconds()) / Decimal(86400)
    keys = {(s, p) for s, p, _n in current} | set(days)
    stores = _by_id(Store, {k[0] for k in keys}, joinedload(Store.municipality))
    products = _by_id(Product, {k[1] for k in keys})
    for store_id, pid in keys:
        rows[(store_id, pid)] = IdleCost(
            store=stores[store_id],
            product=products[pid],
            monthly_rent=products[pid].monthly_rent or Decimal(0),
            idle_days_12_months=days.get((store_id, pid), Decimal(0)),
        )
    for store_id, pid, n in current:
        rows[(store_id, pid)].idle_now = n
    return sorted(rows.values(), key=lambda r: (-r.cost_per_month, r.store.name, r.product.name))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- history for charts ------------------------------------------------------------


def available_history(store: Store, product: Product, *, days: int = 90, today=None):
    """Available stock at the end of each of the last `days` days: (date, count) pairs.

    Counted backwards from today's level through the ledger lines that moved
    stock into or out of «available» in this store.
    """
    today = today or local_today()
    start = today - timedelta(days=days - 1)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    level = level_for(store, product).available
    deltas: dict[date, int] = defaultdict(int)
    if product.is_serialised:
        rows = db.session.execute(
            select(
                Movement.at,
                Movement.from_store_id,
                Movement.from_status,
                Movement.to_store_id,
                Movement.to_status,
            )
            .join(Device, Device.id == Movement.device_id)
            .where(
                Device.product_id == product.id,
                Movement.at >= since,
                or_(Movement.to_store_id == store.id, Movement.from_store_id == store.id),
            )
        )
        for at, from_store, from_status, to_store, to_status in rows:
            change = int(to_store == store.id and to_status == DeviceStatus.IN_STOCK) - int(
                from_store == store.id and from_status == DeviceStatus.IN_STOCK
            )
            if change:
                deltas[local_day(at)] += change
    else:
        for at, quantity in db.session.execute(
            select(StockMovement.at, StockMovement.quantity).where(
                StockMovement.store_id == store.id,
                StockMovement.product_id == product.id,
                StockMovement.at >= since,
            )
        ):
            deltas[local_day(at)] += quantity
    points = []
    running = level
    for offset in range(days):
        day = today - timedelta(days=offset)
        points.append((day, running))
        running -= deltas.get(day, 0)
    points.reverse()
    return points


def status_by_store(store_ids) -> dict[int, dict[str, int]]:
    """Devices per store and status (the «by status» chart)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for store_id, status, n in db.session.execute(
        select(Device.store_id, Device.status, func.count())
        .where(Device.store_id.in_(store_ids))
        .group_by(Device.store_id, Device.status)
    ):
        out[store_id][status] = n
    return out


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
    scanned_devices = _by_id(
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
    products = _by_id(Product, set(counted))
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


# --- the daily digest ---------------------------------------------------------------


@dataclass
class StoreDigest:
    store: Store
    shortfalls: list = field(default_factory=list)
    overdue_orders: list = field(default_factory=list)
    waiting_reset: list = field(default_factory=list)  # (product, count, oldest since)

    @property
    def count(self) -> int:
        return len(self.shortfalls) + len(self.overdue_orders) + len(self.waiting_reset)


def digests(store_ids, *, today: date | None = None) -> dict[int, StoreDigest]:
    """What each store's responsible person should hear about today, for many stores at once."""
    today = today or local_today()
    warn_days = current_app.config["STOCK_RESET_WARN_DAYS"]
    # Waited more than `warn_days` Norwegian days: changed before midnight in Oslo that day.
    cutoff = datetime.combine(today - timedelta(days=warn_days), time.min, tzinfo=OSLO)
    out: dict[int, StoreDigest] = {}

    def entry(store: Store) -> StoreDigest:
        return out.setdefault(store.id, StoreDigest(store=store))

    for level in levels(store_ids, short_only=True):
        if level.is_short:
            entry(level.store).shortfalls.append(level)
    for order in db.session.scalars(
        select(PurchaseOrder)
        .where(
            PurchaseOrder.store_id.in_(store_ids),
            PurchaseOrder.status.in_(OPEN_ORDER_STATUSES),
            PurchaseOrder.expected_on < today,
        )
        .options(joinedload(PurchaseOrder.supplier), joinedload(PurchaseOrder.store))
        .order_by(PurchaseOrder.expected_on)
    ):
        entry(order.store).overdue_orders.append(order)
    waiting = db.session.execute(
        select(Device.store_id, Device.product_id, func.count(), func.min(Device.status_changed_at))
        .where(
            Device.store_id.in_(store_ids),
            Device.status == DeviceStatus.AWAITING_RESET,
            Device.status_changed_at < cutoff,
        )
        .group_by(Device.store_id, Device.product_id)
    ).all()
    stores = _by_id(Store, {r[0] for r in waiting}, joinedload(Store.municipality))
    products = _by_id(Product, {r[1] for r in waiting})
    for store_id, pid, n, oldest in waiting:
        entry(stores[store_id]).waiting_reset.append((products[pid], n, _aware(oldest)))
    for digest in out.values():
        digest.shortfalls.sort(key=lambda lv: lv.severity)
    return out


# --- single objects, through the store scope --------------------------------------------


def store_or_404(store_id, user, *, options=()) -> Store:
    """A store the user may see (own municipality or shared with it); otherwise 404."""
    from flask import abort

    stmt = scoped(select(Store).where(Store.id == id_or_404(store_id)), Store, user)
    for option in options:
        stmt = stmt.options(option)
    store = db.session.scalars(stmt).first()
    if store is None:
        abort(404)
    return store


def _through_store(model, store_column, object_id, user, options=()):
    from flask import abort

    stmt = select(model).where(
        model.id == id_or_404(object_id),
        store_column.in_(store_ids_for(user, active_only=False)),
    )
    for option in options:
        stmt = stmt.options(option)
    obj = db.session.scalars(stmt).first()
    if obj is None:
        abort(404)
    return obj


def order_or_404(order_id, user) -> PurchaseOrder:
    return _through_store(
        PurchaseOrder,
        PurchaseOrder.store_id,
        order_id,
        user,
        (
            joinedload(PurchaseOrder.supplier),
            joinedload(PurchaseOrder.store),
            selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.product),
        ),
    )


def transfer_or_404(transfer_id, user) -> Transfer:
    """A transfer either end of which the user may see."""
    from flask import abort

    ids = store_ids_for(user, active_only=False)
    transfer = db.session.scalars(
        select(Transfer)
        .where(
            Transfer.id == id_or_404(transfer_id),
            or_(Transfer.from_store_id.in_(ids), Transfer.to_store_id.in_(ids)),
        )
        .options(
            joinedload(Transfer.from_store),
            joinedload(Transfer.to_store),
            selectinload(Transfer.lines).joinedload(TransferLine.product),
            selectinload(Transfer.lines).joinedload(TransferLine.device),
        )
    ).first()
    if transfer is None:
        abort(404)
    return transfer


def landing_store_or_404(transfer: Transfer, user, *, receiving: bool) -> Store:
    """The store a transfer lands in: the receiving one, or the sending one when called back.

    Either end makes a transfer visible; landing it changes the stock of that one
    store, so the user must be able to use it (another municipality's store: 404).
    """
    return store_or_404(transfer.to_store_id if receiving else transfer.from_store_id, user)


def count_or_404(count_id, user) -> StockCount:
    return _through_store(
        StockCount, StockCount.store_id, count_id, user, (joinedload(StockCount.store),)
    )


def minimum_or_404(minimum_id, user) -> StockMinimum:
    return _through_store(
        StockMinimum,
        StockMinimum.store_id,
        minimum_id,
        user,
        (joinedload(StockMinimum.store), joinedload(StockMinimum.product)),
    )
