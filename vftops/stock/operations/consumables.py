"""Consumables: balances and movements in, out and adjusted."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.validation import text_or_none
from vftops.equipment.models import Product, Store
from vftops.extensions import db
from vftops.stock.models import (
    StockBalance,
    StockMovement,
    StockMovementKind,
)

from .common import require_active, whole_number

# --- consumables ------------------------------------------------------------------------


def check_consumable(product: Product) -> None:
    if product.is_serialised:
        message = _l(
            "%(name)s is tracked by serial number: receive or move the devices.", name=product.name
        )
        raise ValidationError(message, fields={"product_id": [message]})


def balance(store: Store, product: Product) -> int:
    return (
        db.session.scalar(
            select(StockBalance.quantity).where(
                StockBalance.store_id == store.id, StockBalance.product_id == product.id
            )
        )
        or 0
    )


def move_consumable(
    actor,
    store: Store,
    product: Product,
    delta: int,
    kind: StockMovementKind,
    *,
    reason: str | None = None,
    at=None,
    **links,
) -> StockMovement:
    """Change a consumable's quantity in a store by `delta` and write its ledger line.

    The change is one UPDATE … SET quantity = quantity + delta: two people taking
    the last box at once cannot both succeed, because the database refuses a
    negative quantity and the loser's operation comes back as a conflict.
    """
    row = db.session.scalars(
        select(StockBalance).where(
            StockBalance.store_id == store.id, StockBalance.product_id == product.id
        )
    ).first()
    current = row.quantity if row is not None else 0
    if current + delta < 0:
        message = _l(
            "%(store)s has only %(n)d of %(product)s.",
            store=store.name,
            n=current,
            product=product.name,
        )
        raise ConflictError(
            message,
            fields={"quantity": [message]},
            details={"available": current, "wanted": -delta},
        )
    if row is None:
        row = StockBalance(store_id=store.id, product_id=product.id, quantity=0)
        db.session.add(row)
        db.session.flush()
    new = db.session.execute(
        update(StockBalance)
        .where(StockBalance.id == row.id)
        .values(quantity=StockBalance.quantity + delta)
        .returning(StockBalance.quantity),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    db.session.expire(row, ["quantity"])
    movement = StockMovement(
        store_id=store.id,
        product_id=product.id,
        municipality_id=store.municipality_id,
        at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        kind=kind.value,
        quantity=delta,
        balance_after=new,
        reason=text_or_none(reason),
        **links,
    )
    db.session.add(movement)
    return movement


def _consumable_event(actor, action: str, movement: StockMovement, store, product, summary):
    audit.record(
        actor,
        action,
        movement,
        summary,
        changes={
            "quantity": {
                "before": movement.balance_after - movement.quantity,
                "after": movement.balance_after,
            }
        },
        municipality_id=store.municipality_id,
    )


@operation
def receive_consumables(
    actor,
    store: Store,
    product: Product,
    quantity,
    *,
    reason: str | None = None,
    order=None,
    at=None,
) -> StockMovement:
    """Boxes of batteries, straps or chargers arrive in a store."""
    check_consumable(product)
    require_active(store)
    quantity = whole_number(quantity, "quantity", minimum=1)
    movement = move_consumable(
        actor,
        store,
        product,
        quantity,
        StockMovementKind.RECEIVE,
        reason=reason,
        at=at,
        order_id=order.id if order is not None else None,
    )
    _consumable_event(
        actor,
        "stock.receive",
        movement,
        store,
        product,
        f"{quantity} {product.name} mottatt på {store.name}",
    )
    return movement


@operation
def issue_consumables(
    actor,
    store: Store,
    product: Product,
    quantity,
    *,
    reason: str | None = None,
    recipient=None,
    issued_to=None,
    at=None,
) -> StockMovement:
    """Take consumables out: to a recipient's equipment or to a technician."""
    check_consumable(product)
    quantity = whole_number(quantity, "quantity", minimum=1)
    if recipient is None and issued_to is None and not text_or_none(reason):
        message = _l("Say who the consumables went to, or why.")
        raise ValidationError(message, fields={"reason": [message]})
    if recipient is not None and recipient.anonymised_at is not None:
        message = _l("The recipient's record has been anonymised.")
        raise ValidationError(message, fields={"recipient_id": [message]})
    if recipient is not None and not store.serves(recipient.municipality_id):
        message = _l("The recipient lives in a municipality this store does not serve.")
        raise ValidationError(message, fields={"recipient_id": [message]})
    movement = move_consumable(
        actor,
        store,
        product,
        -quantity,
        StockMovementKind.ISSUE,
        reason=reason,
        at=at,
        recipient_id=recipient.id if recipient is not None else None,
        issued_to_id=issued_to.id if issued_to is not None else None,
    )
    _consumable_event(
        actor,
        "stock.issue",
        movement,
        store,
        product,
        f"{quantity} {product.name} tatt ut fra {store.name}",
    )
    return movement


@operation
def adjust_consumables(
    actor, store: Store, product: Product, counted, *, reason: str | None, count=None
) -> StockMovement | None:
    """Set the quantity to what was counted on the shelf. The reason is required."""
    check_consumable(product)
    counted = whole_number(counted, "counted")
    if not text_or_none(reason):
        message = _l("Give the reason for the adjustment.")
        raise ValidationError(message, fields={"reason": [message]})
    delta = counted - balance(store, product)
    if delta == 0:
        return None
    movement = move_consumable(
        actor,
        store,
        product,
        delta,
        StockMovementKind.ADJUST,
        reason=reason,
        count_id=count.id if count is not None else None,
    )
    _consumable_event(
        actor,
        "stock.adjust",
        movement,
        store,
        product,
        f"{product.name} på {store.name} justert til {counted} ({delta:+d})",
    )
    return movement
