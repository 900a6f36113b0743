"""What the stock pages share: the blueprint, the number formats and the store and product
look-ups."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint
from flask_babel import format_currency, format_decimal
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.scope import get_scoped_or_404
from vftops.equipment.models import Product, Store
from vftops.stock import queries
from vftops.stock.forms import (
    STORE_KIND_LABELS,
)
from vftops.stock.models import StockMinimum

bp = Blueprint("stock", __name__, url_prefix="/stock")


_STORE_OPTIONS = (
    joinedload(Store.municipality),
    joinedload(Store.responsible),
    selectinload(Store.shared_with),
)


def kr(value) -> str:
    """Kroner the Norwegian way: «1 234,50 kr»."""
    return format_currency(value if value is not None else Decimal(0), "NOK")


def num(value, pattern: str = "#,##0.##") -> str:
    return format_decimal(value if value is not None else 0, format=pattern)


@bp.context_processor
def stock_helpers():
    return {"kr": kr, "num": num, "store_kind_labels": STORE_KIND_LABELS}


def store_or_404(store_id: int) -> Store:
    return queries.store_or_404(store_id, current_user, options=_STORE_OPTIONS)


def product_or_404(product_id) -> Product:
    return get_scoped_or_404(Product, product_id, current_user)


def minimum_row(store: Store, product: Product) -> StockMinimum | None:
    return queries.minimum_row(store, product)


def shortfall_order_quantity(level) -> int:
    """What «Order what is missing» puts on the order: up to the target, less what is on
    order or on its way and what other stores can send (0: nothing to order)."""
    return level.order_after_transfers
