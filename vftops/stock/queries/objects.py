"""Single stock objects, loaded through the store scope."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.db import where_equal
from vftops.core.scope import get_scoped_or_404, id_or_404, scoped
from vftops.equipment.models import (
    Store,
)
from vftops.equipment.queries import store_ids_for
from vftops.extensions import db
from vftops.stock.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    StockCount,
    StockMinimum,
    Transfer,
    TransferLine,
)

# --- single objects, through the store scope --------------------------------------------


def store_or_404(store_id, user, *, options=()) -> Store:
    """A store the user may see (own municipality or shared with it); otherwise 404."""
    return get_scoped_or_404(Store, store_id, user, options=options)


def store_list(user, *, municipality_id=None, kind=None, is_active=None, options=()):
    """The stores the user may use (their municipalities' own and those shared with them):
    a SELECT to page; `municipality_id` keeps the stores that serve that municipality."""
    stmt = scoped(select(Store), Store, user).options(*options)
    if municipality_id is not None:
        stmt = stmt.where(Store.scope_clause([municipality_id]))
    stmt = where_equal(stmt, Store, kind=kind)
    if is_active is not None:
        stmt = stmt.where(Store.is_active.is_(is_active))
    return stmt


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
