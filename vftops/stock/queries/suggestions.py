"""The suggested minimum: what the last year's use and the lead time call for."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from vftops.core import modules
from vftops.core.models import utcnow
from vftops.equipment.models import (
    Device,
    Movement,
    MovementKind,
    Placement,
    Product,
    ReturnReason,
    Store,
)
from vftops.extensions import db

from .common import SERVICE_LEVEL_Z
from .levels import by_id

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
    products = by_id(Product, pids, joinedload(Product.supplier))
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
