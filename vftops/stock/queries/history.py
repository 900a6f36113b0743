"""A store's stock over time, for its chart."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from vftops.core.models import local_day, local_today
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Movement,
    Product,
    Store,
)
from vftops.extensions import db
from vftops.stock.models import (
    StockMovement,
)

from .levels import level_for

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
