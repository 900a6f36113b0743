"""What the daily digest and the alert page say about stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from vftops.core.models import OSLO, local_today
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
    PurchaseOrder,
)

from .idle import aware
from .levels import by_id, levels

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
    stores = by_id(Store, {r[0] for r in waiting}, joinedload(Store.municipality))
    products = by_id(Product, {r[1] for r in waiting})
    for store_id, pid, n, oldest in waiting:
        entry(stores[store_id]).waiting_reset.append((products[pid], n, aware(oldest)))
    for digest in out.values():
        digest.shortfalls.sort(key=lambda lv: lv.severity)
    return out


def stores_in_charge(user):
    """The ids of the stores the user may see and is responsible for: a SELECT."""
    return store_ids_for(user).where(Store.responsible_id == user.id)


def stores_in_charge_count(user) -> int:
    """How many stores the user is responsible for (what their e-mail covers)."""
    return db.session.scalar(select(func.count()).select_from(stores_in_charge(user).subquery()))
