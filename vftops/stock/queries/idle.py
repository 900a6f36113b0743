"""Idle leased devices: what they cost each month on a shelf."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from vftops.core import modules
from vftops.core.models import UTCDateTime, local_day, utcnow
from vftops.equipment.models import (
    Device,
    Movement,
    Ownership,
    Product,
    Store,
)
from vftops.extensions import db

from .common import DAYS_PER_MONTH, IDLE
from .levels import by_id

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
    # The rent of an agreement's price line in force, where a module above keeps them
    # (agreements): {(municipality, product): monthly rent}; else the product's own.
    agreed: dict[tuple[int, int], Decimal] = {}
    for rents in modules.hooks("stock.monthly_rents"):
        agreed.update(rents(local_day(now)))
    rented = select(Product.id).where(
        or_(
            and_(Product.monthly_rent.is_not(None), Product.monthly_rent > 0),
            Product.id.in_({p for _m, p in agreed} or {-1}),
        )
    )
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
        start = aware(start)
        end = aware(end) if end is not None else now
        start, end = max(start, since), min(end, now)
        if end > start:
            days[(store_id, pid)] += Decimal((end - start).total_seconds()) / Decimal(86400)
    keys = {(s, p) for s, p, _n in current} | set(days)
    stores = by_id(Store, {k[0] for k in keys}, joinedload(Store.municipality))
    products = by_id(Product, {k[1] for k in keys})
    for store_id, pid in keys:
        rows[(store_id, pid)] = IdleCost(
            store=stores[store_id],
            product=products[pid],
            monthly_rent=agreed.get((stores[store_id].municipality_id, pid))
            or products[pid].monthly_rent
            or Decimal(0),
            idle_days_12_months=days.get((store_id, pid), Decimal(0)),
        )
    for store_id, pid, n in current:
        rows[(store_id, pid)].idle_now = n
    return sorted(rows.values(), key=lambda r: (-r.cost_per_month, r.store.name, r.product.name))


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
