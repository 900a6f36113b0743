"""Minimum levels per store and product, and accepting a suggested minimum."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ValidationError
from vftops.core.validation import invalid
from vftops.equipment.models import Product, Store
from vftops.extensions import db
from vftops.stock.models import (
    StockMinimum,
)

from .common import whole_number

# --- minimums ---------------------------------------------------------------------------


@operation
def set_minimum(
    actor,
    store: Store,
    product: Product,
    *,
    minimum,
    reorder_target=None,
    expected_version: int | None = None,
    action: str = "stock_minimum.set",
    inputs: dict | None = None,
) -> StockMinimum:
    fields: dict[str, list] = {}
    try:
        minimum = whole_number(minimum, "minimum")
    except ValidationError as exc:
        fields |= exc.fields
    try:
        reorder_target = whole_number(reorder_target, "reorder_target", required=False)
    except ValidationError as exc:
        fields |= exc.fields
    if not fields and reorder_target is not None and reorder_target < minimum:
        fields["reorder_target"] = [_l("The reorder target cannot be below the minimum.")]
    if fields:
        raise invalid(fields)
    row = db.session.scalars(
        select(StockMinimum).where(
            StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
        )
    ).first()
    before = {} if row is None else audit.snapshot(row, ("minimum", "reorder_target"))
    if row is None:
        row = StockMinimum(store_id=store.id, product_id=product.id, minimum=minimum)
        db.session.add(row)
    else:
        check_version(row, expected_version)
    row.minimum = minimum
    row.reorder_target = reorder_target
    changes = audit.diff(before, {"minimum": minimum, "reorder_target": reorder_target})
    if changes or inputs:
        if inputs:
            changes["inputs"] = {"before": None, "after": inputs}
        audit.record(
            actor,
            action,
            row,
            f"Minimum for {product.name} på {store.name}: {minimum}",
            changes=changes,
            municipality_id=store.municipality_id,
        )
    return row


@operation
def delete_minimum(actor, row: StockMinimum) -> None:
    audit.record(
        actor,
        "stock_minimum.delete",
        row,
        f"Minimum for {row.product.name} på {row.store.name} fjernet",
        changes=audit.diff(audit.snapshot(row, ("minimum", "reorder_target")), {}),
        municipality_id=row.store.municipality_id,
    )
    db.session.delete(row)


@operation
def accept_suggestion(actor, store: Store, product: Product) -> StockMinimum:
    """Set the minimum to the suggested one, recording the inputs it was computed from."""
    from vftops.stock.queries import suggestion

    s = suggestion(store, product)
    existing = db.session.scalars(
        select(StockMinimum).where(
            StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
        )
    ).first()
    target = None
    if existing is not None and existing.reorder_target is not None:
        target = max(existing.reorder_target, s.suggested)
    return set_minimum(
        actor,
        store,
        product,
        minimum=s.suggested,
        reorder_target=target,
        action="stock_minimum.accept",
        inputs=s.inputs(),
    )
