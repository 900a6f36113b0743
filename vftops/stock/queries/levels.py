"""Stock levels per store and product, against their minimums."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.db import where_equal
from vftops.core.scope import scoped
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Product,
    Store,
    StoreKind,
    Visit,
    VisitStatus,
)
from vftops.equipment.queries import store_ids_for
from vftops.extensions import db
from vftops.stock.models import (
    OPEN_ORDER_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    StockBalance,
    StockMinimum,
    Transfer,
    TransferLine,
    TransferStatus,
)

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
    stores = by_id(
        Store,
        {k[0] for k in counts},
        joinedload(Store.municipality),
        selectinload(Store.shared_with),  # who a store serves, for transfer plans
    )
    products = by_id(Product, {k[1] for k in counts}, joinedload(Product.supplier))
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


def by_id(model, ids, *options):
    if not ids:
        return {}
    stmt = select(model).where(model.id.in_(ids))
    for option in options:
        stmt = stmt.options(option)
    return {row.id: row for row in db.session.scalars(stmt)}


def balances_in(store_id: int) -> dict[int, int]:
    """What the ledger says each consumable's quantity is in one store, by product id."""
    return dict(
        db.session.execute(
            select(StockBalance.product_id, StockBalance.quantity).where(
                StockBalance.store_id == store_id
            )
        ).all()
    )


def consumables_on_shelf(store: Store) -> list[StockBalance]:
    """The consumables a store holds (more than none), with their product, by name."""
    return list(
        db.session.scalars(
            select(StockBalance)
            .join(Product, Product.id == StockBalance.product_id)
            .where(
                StockBalance.store_id == store.id,
                StockBalance.quantity > 0,
                Product.is_serialised.is_(False),
            )
            .options(joinedload(StockBalance.product))
            .order_by(Product.manufacturer, Product.model)
        )
    )


def minimum_row(store: Store, product: Product) -> StockMinimum | None:
    """The store's minimum for the product, if one is set."""
    return db.session.scalars(
        select(StockMinimum).where(
            StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
        )
    ).first()


def minimums_by_product(store: Store) -> dict[int, StockMinimum]:
    """Every minimum set for the store, by product id."""
    return {
        row.product_id: row
        for row in db.session.scalars(select(StockMinimum).where(StockMinimum.store_id == store.id))
    }


def minimum_list(user, *, store_id=None, product_id=None, options=()):
    """The minimums of the stores the user may see: a SELECT to page."""
    stmt = (
        select(StockMinimum)
        .where(StockMinimum.store_id.in_(store_ids_for(user, active_only=False)))
        .options(*options)
    )
    return where_equal(stmt, StockMinimum, store_id=store_id, product_id=product_id)


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
    stores = by_id(
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
