"""A store's stock history and the monthly cost of idle leased devices."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template, request
from flask_login import current_user

from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.stock import queries
from vftops.stock.permissions import STOCK_VIEW

from .charts import history_chart
from .common import bp, product_or_404, store_or_404

# --- history and idle cost ------------------------------------------------------------

HISTORY_DAYS = (30, 90, 365)


@bp.get("/stores/<int:store_id>/products/<int:product_id>")
@require(STOCK_VIEW)
def product_history(store_id: int, product_id: int):
    store = store_or_404(store_id)
    product = product_or_404(product_id)
    days = request.args.get("days", 90, type=db_int)
    if days not in HISTORY_DAYS:
        days = 90
    points = queries.available_history(store, product, days=days)
    level = queries.level_for(store, product)
    lowest = min(points, key=lambda p: p[1]) if points else None
    return render_template(
        "stock/product_history.html",
        store=store,
        product=product,
        days=days,
        history_days=HISTORY_DAYS,
        points=points,
        level=level,
        lowest=lowest,
        chart=history_chart(points, level.minimum, level.reorder_target),
    )


@bp.get("/idle-cost")
@require(STOCK_VIEW)
def idle_cost():
    """Leased devices lying on a shelf, and what their rent costs."""
    rows = queries.idle_costs(queries.store_ids_for(current_user))
    totals = {
        "idle_now": sum(r.idle_now for r in rows),
        "per_month": sum((r.cost_per_month for r in rows), Decimal(0)),
        "twelve_months": sum((r.cost_12_months for r in rows), Decimal(0)),
    }
    return render_template("stock/idle_cost.html", rows=rows, totals=totals)
